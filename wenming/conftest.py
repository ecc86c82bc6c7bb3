import pytest

from wenming.core.testing import make_id_number, years_ago


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # argon2 is the production hasher; tests that check it use it explicitly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 "django.contrib.auth.hashers.Argon2PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and periodic-task latches live in the cache: no test inherits
    another's."""
    from django.core.cache import cache

    from wenming.dashboards.metrics import forget_members

    cache.clear()
    forget_members()  # the dashboards' list of indicators, also kept in this process
    yield
    cache.clear()
    forget_members()


@pytest.fixture
def world(db):
    """county → center → institute → two sibling stations (A, B) with points and grids,
    one volunteer in each station, and accounts for the roles."""
    from wenming.volunteers.tests.factories import build_world

    return build_world()


@pytest.fixture
def id_number():
    counter = iter(range(1, 100))

    def make(age: int = 30, male: bool = True):
        return make_id_number(years_ago(age, days=10), seq=next(counter), male=male)

    return make
