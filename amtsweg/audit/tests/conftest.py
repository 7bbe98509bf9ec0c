import os


def pytest_configure(config):
    # The PostgreSQL variants run only when DATABASE_URL points to PostgreSQL (set up by the lead).
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (DATABASE_URL=postgres://…)")


def postgres_configured() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
