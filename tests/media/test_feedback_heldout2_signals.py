"""The second held-out set of 2026-12-05 (tests/media/feedback_heldout2_signals.py) is fixed and well-formed. The
guard is not run on it here: the lead runs it once and reports every mute; it was not tuned on."""

from __future__ import annotations

import numpy as np

from tests.media import feedback_heldout2_signals as h2


def test_the_set_is_deterministic_and_well_formed() -> None:
    """Every class is named as the second held-out set and is 2–4 finite mono signals of 4–5 s peaking at 0.3–0.7
    of full scale; fixed seeds give the same samples (checked on short calls of every generator, to keep this
    cheap) and different seeds different ones."""
    assert len(h2.HELDOUT2_CLASSES) == 9
    for cls, make in h2.HELDOUT2_CLASSES.items():
        assert cls.startswith("held-out 2 (2026-12-05): "), cls
        sigs = make()
        assert 2 <= len(sigs) <= 4, cls
        for i, s in enumerate(sigs):
            assert s.dtype == np.float64 and s.ndim == 1 and 4.0 <= len(s) / h2.FS <= 5.0, f"{cls} #{i}"
            assert np.all(np.isfinite(s)) and 0.3 <= float(np.max(np.abs(s))) <= 0.7, f"{cls} #{i}"
    calls = [lambda: h2.barbershop(0.5, h2.BARBERSHOP_7TH, 116.5, 700),
             lambda: h2.accordion(0.5, (261.6, 329.6), 711),
             lambda: h2.twelve_string(0.8, (98.0, 123.5, 146.8, 196.0, 246.9, 392.0), 720, 0.3),
             lambda: h2.string_quartet(0.5, (65.4, 196.0), 730, 8.0),
             lambda: h2.childrens_choir(0.5, (523.3, 659.3), 741),
             lambda: h2.rubbed_bowl(0.5, 880.0, 0.6, 751),
             lambda: h2.theremin(0.5, (440.0, 523.3), 760, ((0.1, 0.2, 12.0),)),
             lambda: h2.overtone_singing(0.5, 130.8, 771),
             lambda: h2.harmonica(0.5, (392.0, 493.9), 781, ((0.1, 0.2, 10.0),))]
    for call in calls:
        a, b = call(), call()
        assert np.all(np.isfinite(a)) and np.array_equal(a, b)
    assert not np.array_equal(h2.rubbed_bowl(0.5, 880.0, 0.6, 751), h2.rubbed_bowl(0.5, 880.0, 0.6, 752))
    assert not np.array_equal(h2.overtone_singing(0.5, 130.8, 771), h2.overtone_singing(0.5, 130.8, 772))
