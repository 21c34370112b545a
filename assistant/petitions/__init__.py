"""Citizens' petitions (phản ánh, kiến nghị — the city's 1022 line): configuration, photos,
records → repository → service, and the staff desk."""
