from amtsweg.cases.numbers import ALPHABET, check_symbol, number_generate, number_is_valid, number_normalize


def test_generated_numbers_have_the_documented_shape_and_a_valid_check_symbol():
    numbers = {number_generate(year=2026) for _ in range(200)}
    assert len(numbers) == 200
    for number in numbers:
        assert number.startswith("AW-2026-") and len(number) == 16
        assert number_is_valid(number)


def test_check_symbol_catches_every_single_substitution():
    number = number_generate(year=2026)
    code = number[-8:]
    for i in range(8):
        for symbol in ALPHABET:
            if symbol == code[i]:
                continue
            changed = number[:-8] + code[:i] + symbol + code[i + 1 :]
            assert not number_is_valid(changed)


def test_check_symbol_catches_swapped_neighbours():
    payload = "7K3QX9P"
    swapped = "K73QX9P"
    assert check_symbol(payload) != check_symbol(swapped)


def test_normalize_forgives_case_blanks_and_confusable_letters():
    payload = "1K3Q09P"
    number = f"AW-2026-{payload}{check_symbol(payload)}"
    typed = f" aw-2026-{'IK3QO9P'.lower()}{check_symbol(payload).lower()} "
    assert number_normalize(typed) == number
    assert number_is_valid(number_normalize(typed))
    assert not number_is_valid("AW-2026-XYZ")
    assert not number_is_valid("")
