"""Driving the console's pages with Flask's test client: the CSRF token a page carries, signing
in through the sign-in form, posting a form as the browser would."""

from __future__ import annotations

import re

from tests.factories import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def csrf_token(client) -> str:
    """The session's CSRF token, as the sign-in page (or any console form) carries it."""
    return csrf_of(client.get("/console/sign-in").get_data(as_text=True))


def sign_in(client, user, password: str = PASSWORD):
    """Sign `user` in through the form; the client keeps the session cookie."""
    response = submit(client, "/console/sign-in", username=user.username, password=password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def submit(client, url: str, **fields):
    """POST a form with the session's CSRF token, as the browser does."""
    page = client.get(url) if "csrf_token" not in fields else None
    token = fields.pop("csrf_token", None)
    if token is None:
        html = page.get_data(as_text=True) if page.status_code == 200 else ""
        token = csrf_of(html) if CSRF.search(html) else csrf_token(client)
    return client.post(url, data={"csrf_token": token, **fields})
