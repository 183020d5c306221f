"""Settings of the test suite: the portal's own (civiccases/settings.py, as production reads
them: pytest-django runs with DEBUG off) with three test-only values:

- a secret key of its own (production refuses to start without one);
- plain HTTP (HTTPS=false): the test client speaks HTTP and would be redirected to HTTPS;
- a per-process cache: tests clear the cache, and test processes running side by side (CI sets
  a Redis broker, which would make the cache the shared Redis) must not clear each other's.

The environment is set only while civiccases.settings is read, then restored: subprocesses that
tests start (manage.py check --deploy …) see the environment the suite was started with.
"""

import os

_TEST_ENVIRONMENT = {
    "SECRET_KEY": "tests-only-" + "k" * 50,
    "HTTPS": "false",
    "CACHE_URL": "locmemcache://",
}
_saved = {name: os.environ.get(name) for name in _TEST_ENVIRONMENT}
os.environ.update(_TEST_ENVIRONMENT)
try:
    from civiccases.settings import *  # noqa: F403
finally:
    for _name, _value in _saved.items():
        if _value is None:
            os.environ.pop(_name, None)
        else:
            os.environ[_name] = _value
