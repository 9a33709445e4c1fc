"""Read-your-writes behind read replicas (geo/store/routing.py): a request starts reading wherever its client's last
write is replayed — the position comes back in the `yiwu_read_after` cookie (browsers) or the `X-Yiwu-Read-After`
header (API clients: a write answers with `X-Yiwu-Written-LSN`) — and a write's answer hands its position out."""

from __future__ import annotations

from flask import Flask, Response, request

from geo.store.routing import READ_AFTER, ROUTE, UNKNOWN_POSITION, WRITTEN, format_lsn, parse_lsn

COOKIE, HEADER, WRITTEN_HEADER = "yiwu_read_after", "X-Yiwu-Read-After", "X-Yiwu-Written-LSN"
COOKIE_SECONDS = 24 * 3600  # harmless once the replicas are past it: it only decides primary or replica
UNKNOWN_SECONDS = 60  # a write whose position is unknown (its connection broke after the commit): the primary a minute


def start_request() -> None:
    """This thread's request reads after its client's last write; nothing written yet; the primary until a snapshot."""
    positions = [p for p in (parse_lsn(request.headers.get(HEADER)), parse_lsn(request.cookies.get(COOKIE)))
                 if p is not None]
    READ_AFTER.set(max(positions) if positions else None)
    WRITTEN.set(None)
    ROUTE.set(None)


def hand_out_position(response: Response) -> Response:
    """After a write: its WAL position, as a cookie and a header, for the client's next reads."""
    written = WRITTEN.get()
    if written is not None:
        value = format_lsn(written)
        response.headers[WRITTEN_HEADER] = value
        seconds = UNKNOWN_SECONDS if written == UNKNOWN_POSITION else COOKIE_SECONDS
        response.set_cookie(COOKIE, value, max_age=seconds, httponly=True, samesite="Lax",
                            secure=request.is_secure)
    return response


def register_consistency(app: Flask) -> None:
    """First of the before-request hooks (identity reads the accounts on the primary, the snapshot after it)."""
    app.before_request_funcs.setdefault(None, []).insert(0, start_request)
    app.after_request(hand_out_position)
