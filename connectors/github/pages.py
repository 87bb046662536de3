"""Following GitHub's ``link`` header from page to page (REST lists, page and cursor paging alike).

GitHub names the next page in the ``link`` header (``rel="next"``), absent on the last page; that is
the API's own last-page signal, never the page's length [docs:
https://docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api]. Cursor-paged
lists (Projects v2 items: ``after=``) use the same header.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from roadsync.connectors.github.client import GithubClient, Response
from roadsync.errors import RemoteRefused

__all__ = ["next_link", "pages"]


def next_link(headers: Mapping[str, str]) -> str | None:
    """The ``rel="next"`` URL of a ``link`` header, or ``None`` on the last page."""
    for part in headers.get("link", "").split(","):
        url, _, params = part.partition(";")
        if 'rel="next"' in params.replace(" ", ""):
            return url.strip().strip("<>")
    return None


def pages(
    client: GithubClient,
    first: str,
    item: str,
    headers: Mapping[str, str] | None = None,
    accept: tuple[int, ...] = (304,),
) -> Iterator[Response]:
    """Every page from ``first`` on (``headers`` go with the first request only). A status in
    ``accept`` ends the walk after yielding that response. Raises
    :class:`~roadsync.errors.RemoteRefused` when GitHub links a page already read (a loop)."""
    url: str | None = first
    visited: set[str] = set()
    while url:
        if url in visited:
            raise RemoteRefused(f"GitHub repeated a page link ({url})", source="github", item=item)
        visited.add(url)
        response = client.rest("GET", url, headers=headers, item=item, accept=accept)
        yield response
        if response.status in accept:
            return
        headers = None
        url = next_link(response.headers)
