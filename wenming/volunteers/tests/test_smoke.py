def test_world_builds(world):
    assert world.vol_a.volunteer_no.startswith("WM")
    assert world.vol_a.id_number_masked.startswith("420527********")
    assert world.vol_a.phone_masked == "139****0001"
