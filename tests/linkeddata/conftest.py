from tests.sparql.conftest import registry_server  # noqa: F401 - the same running registry
