"""The exception handler's error shape (unit tests of flatten_errors)."""

from jingzhun.api.errors import flatten_errors


def test_flat_errors_stay_flat():
    assert flatten_errors({"head.id_number": ["bad"]}) == {"head.id_number": ["bad"]}


def test_nested_dicts_and_lists_become_dotted_keys():
    detail = {"head": {"id_number": ["bad"]}, "members": [{}, {"relation": ["required"]}], "area": ["no"]}
    assert flatten_errors(detail) == {"head.id_number": ["bad"], "members.1.relation": ["required"], "area": ["no"]}


def test_model_level_and_list_level_errors():
    assert flatten_errors({"__all__": ["x"]}) == {"non_field_errors": ["x"]}
    assert flatten_errors({"members": {"non_field_errors": ["Expected a list"]}}) == {
        "members.non_field_errors": ["Expected a list"]}
    assert flatten_errors(["x"]) == {"non_field_errors": ["x"]}
