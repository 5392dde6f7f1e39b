"""A staff member's browser session, without a browser: log in to the admin of a
running server, then call the JSON API with the session cookie and the CSRF token."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

ADMIN_PASSWORD = "a long test password 42"  # give it to ensureadmin as DJANGO_SUPERUSER_PASSWORD


class StaffSession:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def csrf_token(self) -> str:
        return next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")

    def login(self, username: str = "admin", password: str = ADMIN_PASSWORD) -> StaffSession:
        page = self.opener.open(f"{self.base_url}/admin/login/", timeout=10).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": username, "password": password}
        ).encode()
        request = urllib.request.Request(
            f"{self.base_url}/admin/login/?next=/jobs/",
            data=form,
            headers={"Referer": f"{self.base_url}/admin/login/"},
        )
        landed = self.opener.open(request, timeout=10)
        assert landed.url.endswith("/jobs/"), f"login failed, landed on {landed.url}"
        return self

    def api(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """Call the API; return the status and the decoded JSON answer."""
        request = urllib.request.Request(
            f"{self.base_url}{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "X-CSRFToken": self.csrf_token()},
        )
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as failed:
            return failed.code, json.loads(failed.read())
