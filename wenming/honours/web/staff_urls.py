"""The back office's honours pages (campaigns, nominations, review, selection, votes)."""

urlpatterns: list = []
