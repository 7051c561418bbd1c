"""The protocol week by week: contributions, the agreed list, reveals, missing and quiet members, k."""

from __future__ import annotations

from tests.team.protocol_kit import PICO, Team

from tracker.services import team_protocol as tp
from tracker.services.team_vector import NUDGES, family_group


def test_a_week_is_published_from_the_sums_of_its_members():
    team = Team([3, 4, 4, 6, 6, 10, 20])
    result = team.publish(list(range(7)))
    assert result.status == tp.PUBLISHED and result.members == 7
    assert result.base["cost_pico"] == 53 * PICO and result.base["members"] == 7
    assert result.groups[family_group("claude-sonnet")]["cost_pico"] == 53 * PICO
    assert result.groups[NUDGES]["realised_weekly_pico"] == sum(c * PICO // 10 for c in (3, 4, 4, 6, 6, 10, 20))


def test_nothing_before_the_deadline_whatever_the_folder_holds():
    team = Team([3, 4, 4, 6, 6, 10, 20])
    team.contribute(*range(7))
    early = team.result(team.deadline - 1)
    assert early.status == tp.COLLECTING and early.base is None and "7 of 7" in early.detail


def test_a_member_who_misses_the_week_is_masked_out_without_them():
    team = Team([3, 4, 4, 6, 6, 10, 20])
    result = team.publish([0, 1, 2, 3, 4, 5], online=[0, 1, 2, 3, 4, 5])
    assert result.status == tp.PUBLISHED and result.members == 6
    assert result.base["cost_pico"] == 33 * PICO


def test_members_who_go_quiet_after_contributing_do_not_block_the_week():
    team = Team([3, 4, 4, 6, 6, 10, 20])
    team.contribute(*range(7))
    team.view(0, 1, 2, 3)  # t = 4 of 7 agree; three never come back
    team.reveal("base", 0, 1, 2, 3)
    team.reveal("groups", 0, 1, 2, 3)
    result = team.result()
    assert result.status == tp.PUBLISHED and result.base["cost_pico"] == 53 * PICO


def test_fewer_than_a_majority_reveal_nothing():
    team = Team([3, 4, 4, 6, 6, 10, 20])
    team.contribute(*range(7))
    team.view(0, 1, 2)
    assert team.result().status == tp.AGREEING
    team.view(3)
    team.reveal("base", 0, 1, 2)
    result = team.result()
    assert result.status == tp.UNMASKING and result.base is None


def test_fewer_than_k_in_the_agreed_list_publish_nothing():
    team = Team([3, 4, 4, 6, 6, 10, 20])
    result = team.publish([0, 1, 2, 3], online=list(range(7)))
    assert result.status == tp.UNDER_K and result.base is None


def test_a_roster_under_k_publishes_nothing_at_all():
    team = Team([3, 4, 4, 6])
    result = team.publish([0, 1, 2, 3])
    assert result.status == tp.UNDER_K and result.base is None


def test_a_rare_family_stays_masked_and_is_pooled_with_the_least_used_large_one():
    families = [{"claude-sonnet": 5, "gpt-5": 3} for _ in range(6)] + [{"claude-sonnet": 5, "gpt-5": 3, "grok": 9}]
    team = Team([8] * 6 + [17], families=families)
    result = team.publish(list(range(7)))
    assert result.status == tp.PUBLISHED
    assert family_group("grok") not in result.openable and family_group("grok") not in result.groups
    # grok (1 member) cannot be told from the total minus the rows shown: gpt-5 stays closed too
    assert family_group("gpt-5") not in result.openable
    assert result.groups[family_group("claude-sonnet")]["cost_pico"] == 35 * PICO


def test_a_share_sealed_wrongly_to_one_member_does_not_stop_the_week():
    from tracker.services import team_crypto as tc
    from tracker.services import team_files as tf

    team = Team([3, 4, 4, 6, 6, 10, 20])
    team.contribute(*range(7))
    cheat, victim = team.members[0], team.members[1]
    doc = dict(team.files.contributions[cheat.id])
    doc["shares"] = dict(doc["shares"], **{victim.id: tc.b64(b"\0" * 60)})
    team.files.contributions[cheat.id] = tf.signed(doc, cheat.keys.signer())
    team.view(*range(7))
    team.reveal("base", *range(7))  # the victim reveals what it can open; nothing raises
    assert cheat.id not in team.files.reveals["base"][victim.id]["groups"]
    team.reveal("groups", *range(7))
    result = team.result()
    assert result.status == tp.PUBLISHED and result.base["cost_pico"] == 53 * PICO
