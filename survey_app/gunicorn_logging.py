"""gunicorn's logs without client addresses, tablet set-up tokens or query strings.

``gunicorn.conf.py`` names :class:`PrivateLogger` as gunicorn's ``logger_class``.

* The access log format already leaves out the address, the query string and the user
  agent; the path itself holds a secret on one route, the tablet set-up link
  (``/kiosk/enrol/<token>``), so the token is replaced by ``...`` in the path and request line.
* gunicorn's error log names the client on every bad request ("Invalid request from
  ip=203.0.113.7: ...") and the full URI on every failed one ("Error handling request GET
  /kiosk/enrol/<token>?..."). Every message, and any traceback with it, has IP addresses,
  set-up tokens and query strings taken out before a handler writes it.
"""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger

HIDDEN = "..."
_SET_UP_TOKEN = re.compile(r"(/kiosk/enrol/)[^/\s?#'\"]+")
_QUERY = re.compile(r"\?[^\s'\"]*")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
# The server's own address, said once at start-up, is the operator's to see.
_SERVER_MESSAGES = ("Listening at",)


def without_secrets(text: str) -> str:
    text = _SET_UP_TOKEN.sub(r"\1" + HIDDEN, text)
    text = _QUERY.sub("", text)
    text = _IPV4.sub(HIDDEN, text)
    return _IPV6.sub(HIDDEN, text)


class _ErrorLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith(_SERVER_MESSAGES):
            return True
        record.msg = without_secrets(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = without_secrets(record.exc_text)
        return True


class PrivateLogger(Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        if not any(isinstance(f, _ErrorLogFilter) for f in self.error_log.filters):
            self.error_log.addFilter(_ErrorLogFilter())

    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("U", "r"):  # the path, and the request line "METHOD /path?query HTTP/1.1"
            if isinstance(atoms.get(key), str):
                atoms[key] = _SET_UP_TOKEN.sub(r"\1" + HIDDEN, atoms[key])
        return atoms
