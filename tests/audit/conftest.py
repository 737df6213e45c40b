from tests.api.conftest import (  # noqa: F401  (the API tests' tokens and clients)
    _fresh_throttle_counts,
    admin_api,
    admin_token,
)
