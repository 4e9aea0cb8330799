"""Personal data never reaches a log: ID numbers and phones are cut from whatever a log line quotes
(structlog and standard logging alike), and database errors do not quote row values."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from registry.store import make_engine
from tests import factories
from workers.logs import RedactingFilter, configure_logging, redact

PERSON = factories.workers(1, start=3)[0]
ID_NUMBER, PHONE = PERSON["id_number"], PERSON["phone"]


@pytest.fixture
def structlog_restored() -> Iterator[None]:
    yield
    structlog.reset_defaults()


def test_id_numbers_and_phones_are_cut_from_text() -> None:
    line = f"{PERSON['name']} {ID_NUMBER}，手机{PHONE}；金额 12345678901234567890；案件 NC360113-Z7R3RLMA；0791-88888888"
    cut = redact(line)
    assert ID_NUMBER not in cut and PHONE not in cut
    assert "[身份证号]" in cut and "[手机号]" in cut
    assert "12345678901234567890" in cut and "NC360113-Z7R3RLMA" in cut and "0791-88888888" in cut  # not shaped so


def test_structlog_lines_carry_no_personal_data(capsys: pytest.CaptureFixture[str], structlog_restored: None,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEIQUAN_LOG_FORMAT", "json")
    configure_logging()
    log = structlog.get_logger()
    log.warning(f"party {ID_NUMBER}", phone=PHONE, rows=[{"id_number": ID_NUMBER}], note=(PHONE,))
    try:
        raise ValueError(f"cannot write {ID_NUMBER}")
    except ValueError:
        log.exception("write failed")
    err = capsys.readouterr().err
    assert "write failed" in err and "party" in err
    assert ID_NUMBER not in err and PHONE not in err


def test_standard_logging_carries_no_personal_data() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("weiquan.test.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("event refused: claimant %s phone %s", ID_NUMBER, PHONE)
        try:
            raise RuntimeError(f"row {ID_NUMBER} failed")
        except RuntimeError:
            logger.exception("activity failed")
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert "event refused" in written and "RuntimeError" in written
    assert ID_NUMBER not in written and PHONE not in written


def test_database_errors_do_not_quote_row_values(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/r.db")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE party (id_number TEXT PRIMARY KEY)"))
        conn.execute(text("INSERT INTO party VALUES (:v)"), {"v": ID_NUMBER})
    with pytest.raises(IntegrityError) as duplicate, engine.begin() as conn:
        conn.execute(text("INSERT INTO party VALUES (:v)"), {"v": ID_NUMBER})
    assert ID_NUMBER not in str(duplicate.value)
