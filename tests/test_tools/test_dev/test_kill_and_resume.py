from dev.kill_and_resume import compare_losses


def test_identical_losses():
    assert compare_losses({1: 2.5, 2: 2.25}, {1: 2.5, 2: 2.25}) == (
        'losses: identical at all 2 iterations', True)


def test_the_first_differing_iteration_is_named():
    verdict, same = compare_losses({1: 2.5, 2: 2.25, 3: 2.0, 4: 1.5},
                                   {1: 2.5, 2: 2.2, 3: 2.1, 4: 1.5})
    assert not same
    assert verdict == ('losses: missing iterations none; first differing '
                       'iteration 2 (2.250000 vs 2.200000), 2 of 4 differ, '
                       'the most at iteration 3 by 0.1')


def test_missing_iterations_are_named():
    assert compare_losses({1: 2.5, 2: 2.25}, {1: 2.5}) == (
        'losses: missing iterations [2]', False)
