"""A query over the search limits is refused with a reason, on the page and on the CLI."""

from __future__ import annotations

from flask.testing import FlaskClient

from ..conftest import World, csrf_token, login


def test_the_search_page_says_why_a_query_is_refused(client: FlaskClient, world: World) -> None:
    login(client, "eva")
    page = client.get("/search", query_string={"q": "*시티"}).get_data(as_text=True)
    assert (
        '<p class="flash error" role="alert">와일드카드(*, ?)는 검색어 앞에 올 수 없습니다.' in page
    )
    fragment = client.get(
        "/search", query_string={"q": "가" * 501}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "검색어는 500자까지 입력할 수 있습니다." in fragment
    client.post("/lang/en", data={"csrf_token": csrf_token(client, "/rounds")})
    page = client.get("/search", query_string={"q": "스마* 통합* 조례* 시민*"}).get_data(
        as_text=True
    )
    assert "at most 3 wildcard or prefix words" in page
    assert client.get("/search", query_string={"q": "스마*"}).status_code == 200


def test_the_search_command_exits_1_on_a_refused_query(runner, world: World) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["search", "?oo", "--submission", str(world.large)])
    assert result.exit_code == 1
    assert "와일드카드(*, ?)는 검색어 앞에 올 수 없습니다." in result.output
