import json
import logging
import logging.config

import pytest


@pytest.fixture
def json_logger(settings, tmp_path):
    """A logger wired with the settings' own "json" formatter, writing to a file."""
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": settings.LOGGING["formatters"],
        "handlers": {
            "file": {
                "class": "logging.FileHandler",
                "filename": str(tmp_path / "log.jsonl"),
                "formatter": "json",
            }
        },
        "loggers": {"accounts.test": {"handlers": ["file"], "level": "INFO"}},
    }
    logging.config.dictConfig(config)
    logger = logging.getLogger("accounts.test")
    yield logger, tmp_path / "log.jsonl"
    for handler in logger.handlers:
        handler.close()
    logger.handlers.clear()


def test_json_logs_are_one_object_per_line_with_time_level_logger_and_extras(
    json_logger,
):
    logger, path = json_logger
    logger.info("login for %s", "someone", extra={"request_id": "r-1"})
    (line,) = path.read_text().splitlines()
    record = json.loads(line)
    assert record["message"] == "login for someone"
    assert record["level"] == "INFO"
    assert record["logger"] == "accounts.test"
    assert record["request_id"] == "r-1"
    assert record["time"].endswith("+00:00")


def test_json_logs_carry_the_traceback_of_an_exception(json_logger):
    logger, path = json_logger
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed")
    record = json.loads(path.read_text().splitlines()[0])
    assert "ValueError: boom" in record["exc_info"]
