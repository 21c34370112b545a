from assistant.text.places import place_names


def test_the_gazetteer_holds_provinces_districts_and_communes_of_both_lists():
    names = place_names()
    assert {"ha noi", "can tho", "ninh kieu", "cao lanh", "phong dien"} <= names
    assert "ha giang" in names  # a province of the list before July 2025
    assert len(names) > 5000
    assert "nguyen van an" not in names and "pham van an" not in names
