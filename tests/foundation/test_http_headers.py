from registry.http import best_language, parse_accept, parse_media_type


def test_media_type_parameters():
    assert parse_media_type("application/x-www-form-urlencoded; charset=UTF-8") == (
        "application/x-www-form-urlencoded", {"charset": "utf-8"})
    assert parse_media_type(None) == ("", {})


def test_accept_is_ordered_by_q_then_specificity_then_position():
    ordered = [m for m, q, _ in parse_accept("*/*;q=0.8, text/*;q=0.8, text/turtle;q=0.8, application/json, bad;q=x")]
    assert ordered == ["application/json", "text/turtle", "text/*", "*/*", "bad"]


def test_best_language():
    assert best_language("de, fr;q=0.9, en;q=0.8", ("en", "fr"), "en") == "fr"
    assert best_language("en-GB;q=0.5, fr-CA;q=0.6", ("en", "fr"), "en") == "fr"
    assert best_language("de, *;q=0.1", ("en", "fr"), "en") == "en"
    assert best_language("fr;q=0", ("en", "fr"), None) is None
    assert best_language(",".join(["de"] * 10_000) + ",fr", ("en", "fr"), "en") == "en"  # bounded work
