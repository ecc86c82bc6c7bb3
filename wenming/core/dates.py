from datetime import date


def age_on(born: date, today: date) -> int:
    """Completed years on `today` (a 29 February birthday counts from 1 March)."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
