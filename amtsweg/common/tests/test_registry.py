"""The plugin-registry base: register by key, typed lookup, listing, clear errors."""

from __future__ import annotations

from typing import ClassVar, Protocol

import pytest

from amtsweg.common.registry import Registry, UnknownPlugin


class Greeter(Protocol):
    key: ClassVar[str]
    label: ClassVar[str]

    def greet(self) -> str: ...


class GreeterRegistry(Registry[Greeter]):
    required = ("label", "greet")
    unknown_message = "Kein Gruß {key!r} bekannt."


def _greeter(key: str, label: str = "Hallo") -> type:
    return type(f"G_{key}", (), {"key": key, "label": label, "greet": lambda self: f"{label}!"})


def test_register_as_decorator_and_look_up_by_key():
    registry = GreeterRegistry()

    @registry.register
    class Moin:
        key = "moin"
        label = "Moin"

        def greet(self) -> str:
            return "Moin!"

    assert Moin.key == "moin"  # the decorator hands the class back unchanged
    assert registry.get_class("moin") is Moin
    plugin = registry.get("moin")
    assert isinstance(plugin, Moin) and plugin.greet() == "Moin!"
    assert registry.get("moin") is not plugin  # a fresh instance per lookup
    assert registry.has("moin") and "moin" in registry and "servus" not in registry


def test_unknown_key_is_a_lookup_error_naming_the_key():
    registry = GreeterRegistry()
    with pytest.raises(UnknownPlugin, match="Kein Gruß 'servus' bekannt.") as caught:
        registry.get("servus")
    assert caught.value.key == "servus" and isinstance(caught.value, LookupError)
    with pytest.raises(LookupError):
        registry.get_class("servus")


def test_listing_is_sorted_by_key():
    registry = GreeterRegistry()
    for key, label in (("tach", "Tach"), ("gruezi", "Grüezi"), ("moin", "Moin")):
        registry.register(_greeter(key, label))
    assert list(registry.all()) == ["gruezi", "moin", "tach"]
    assert list(registry) == ["gruezi", "moin", "tach"] and len(registry) == 3
    assert registry.choices() == [("gruezi", "Grüezi"), ("moin", "Moin"), ("tach", "Tach")]


def test_choices_fall_back_to_the_key_without_a_label():
    registry = Registry()
    registry.register(type("A", (), {"key": "b", "label": "Bär"}))
    registry.register(type("B", (), {"key": "a"}))
    assert registry.choices() == [("a", "a"), ("b", "Bär")]


@pytest.mark.parametrize("key", ["", None, 3])
def test_a_plugin_without_a_str_key_is_refused(key):
    registry = Registry()
    with pytest.raises(TypeError, match="needs a non-empty str key"):
        registry.register(type("X", (), {"key": key}))
    assert len(registry) == 0


def test_a_plugin_missing_a_required_attribute_is_refused():
    registry = GreeterRegistry()
    with pytest.raises(TypeError, match="lacks greet"):
        registry.register(type("X", (), {"key": "x", "label": "X"}))
    assert not registry.has("x")


def test_the_check_hook_can_refuse_a_plugin():
    class Strict(Registry):
        def check(self, cls):
            if not cls.key.islower():
                raise TypeError(f"{cls.__name__}: key must be lower case")

    strict = Strict()
    with pytest.raises(TypeError, match="lower case"):
        strict.register(type("X", (), {"key": "HTTP"}))
    assert strict.all() == {}


def test_a_second_class_for_a_taken_key_is_refused_unless_replacing_is_allowed():
    registry = GreeterRegistry()
    first = registry.register(_greeter("moin", "Moin"))
    registry.register(first)  # the same class again (a module imported twice) is fine
    with pytest.raises(ValueError, match="'moin' is already registered by G_moin"):
        registry.register(_greeter("moin", "Moin moin"))
    assert registry.get_class("moin") is first

    class Replacing(GreeterRegistry):
        replace_allowed = True

    replacing = Replacing()
    replacing.register(first)
    second = replacing.register(_greeter("moin", "Moin moin"))
    assert replacing.get_class("moin") is second


def test_registries_are_independent():
    one, other = GreeterRegistry(), GreeterRegistry()
    one.register(_greeter("moin"))
    assert one.has("moin") and not other.has("moin")


def test_unregister_removes_a_key_and_ignores_unknown_ones():
    registry = GreeterRegistry()
    registry.register(_greeter("moin"))
    registry.unregister("moin")
    registry.unregister("moin")
    assert not registry.has("moin") and registry.all() == {}
