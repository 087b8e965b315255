def pytest_configure(config):
    config.addinivalue_line(
        "markers", "failure: the server under SIGKILL, a database outage and generated input"
    )
