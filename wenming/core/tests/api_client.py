"""A tiny JSON client for the API that authenticates with a real bearer token."""

import json

from django.test import Client

PASSWORD = "Wenming!2024"


class ApiClient:
    def __init__(self, username: str | None = None, password: str = PASSWORD):
        self.client = Client()
        self.headers = {}
        if username:
            res = self.client.post("/api/v1/auth/token", json.dumps({"username": username, "password": password}),
                                   content_type="application/json")
            assert res.status_code == 200, res.content
            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {res.json()['token']}"}

    def call(self, method: str, path: str, body=None, **query):
        url = "/api/v1" + path
        kwargs = dict(self.headers)
        if method == "get":
            return self.client.get(url, query, **kwargs)
        data = json.dumps(body if body is not None else {})
        return getattr(self.client, method)(url, data, content_type="application/json", **kwargs)

    def get(self, path, **query):
        return self.call("get", path, **query)

    def post(self, path, body=None):
        return self.call("post", path, body)

    def patch(self, path, body=None):
        return self.call("patch", path, body)

    def delete(self, path):
        return self.call("delete", path)
