def double(x):
    """Doubles x.

    >>> double(2)
    4
    >>> double("ab")
    'abab'
    """
    return x * 2


def half(x):
    """Halves x.

    >>> half(3)
    1
    """
    return x / 2
