"""The public portal's honours pages (no login): campaigns, the vote, the notice, the roll."""

urlpatterns: list = []
