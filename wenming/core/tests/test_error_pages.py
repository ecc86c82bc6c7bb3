"""Pages for unmatched addresses and server errors speak Chinese and fit a phone, like the
rest (Django's own are English, 980 px wide)."""

import pytest
from django.test import Client
from django.urls import path

from wenming.urls import urlpatterns as project_urls


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [*project_urls, path("boom/", boom)]
handler404 = "wenming.core.views.not_found"
handler500 = "wenming.core.views.server_error"


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["/jobs/not-a-uuid/", "/no-such-page/", "/volunteers/%C2%B2/"])
def test_an_unknown_address_gets_the_chinese_not_found_page(client, address):
    res = client.get(address)
    text = res.content.decode()
    assert res.status_code == 404 and "未找到该对象或无权访问" in text and "Not Found" not in text
    assert 'name="viewport"' in text and "返回首页" in text


@pytest.mark.django_db
@pytest.mark.urls("wenming.core.tests.test_error_pages")
def test_a_server_error_gets_a_chinese_page_with_the_request_id():
    client = Client(raise_request_exception=False)
    res = client.get("/boom/", HTTP_X_REQUEST_ID="support-12345678")
    text = res.content.decode()
    assert res.status_code == 500 and "服务暂时出错" in text and "support-12345678" in text
    assert 'name="viewport"' in text and "Server Error" not in text
