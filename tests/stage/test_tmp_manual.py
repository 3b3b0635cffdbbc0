import random

from app.room.stage_protocol import Invite, StagePass
from app.stage.speaker import Role
from tests.stage import test_stage_lab as t


async def fake_on_stage(room, speaker):
    await speaker.start()
    speaker.invite = Invite(StagePass(room.config.room_id, random.randint(1, 10**9), "x" * 24), 60)
    speaker._set_role(Role.INVITED)
    await speaker.accept()

async def test_manual_mute(make_lab_room, tmp_path, monkeypatch):
    monkeypatch.setattr(t, "go_on_stage", fake_on_stage)
    await t.test_a_speaker_is_heard_on_the_feed_and_self_mute_silences_it_within_300_ms(make_lab_room, tmp_path)

async def test_manual_mix(make_lab_room, tmp_path, monkeypatch):
    monkeypatch.setattr(t, "go_on_stage", fake_on_stage)
    await t.test_mix_minus_a_speaker_hears_the_others_not_itself(make_lab_room, tmp_path)

async def test_manual_leave(make_lab_room, tmp_path, monkeypatch):
    monkeypatch.setattr(t, "go_on_stage", fake_on_stage)
    await t.test_leaving_the_stage_plays_on_without_a_gap(make_lab_room, tmp_path)

async def test_manual_restart(make_lab_room, tmp_path, monkeypatch):
    monkeypatch.setattr(t, "go_on_stage", fake_on_stage)
    await t.test_the_stage_survives_a_janus_restart_with_role_and_mute_state(make_lab_room, tmp_path)
