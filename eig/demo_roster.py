"""A synthetic roster of evaluators for the demo and the tests, consistent with the
sandbox's administrations (so that conflicts of interest really occur)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from faker import Faker

from ds_sandbox.content import ADMINISTRATIONS, THEMES

PROFILE_SETS = (("produit",), ("produit", "design"), ("technique",), ("technique", "data"),
                ("design",), ("data",), ("juridique", "produit"))
SENIORITY = ("ancien EIG", "coach", "jury")


def write_demo_roster(path: Path, evaluators: int, seed: int = 0, capacity: int = 6) -> Path:
    """Write a roster CSV in the import format (see config/evaluateurs.example.csv)."""
    rng = random.Random(seed)
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["courriel", "nom", "organisation", "ministere", "profils", "parcours",
                         "seniorite", "capacite_mensuelle", "thematiques"])
        for n in range(evaluators):
            name, ministere, *_ = rng.choice(ADMINISTRATIONS)
            first, last = fake.first_name(), fake.last_name()
            tracks = rng.choice((("projets",), ("candidats",), ("projets", "candidats")))
            writer.writerow([
                f"evaluateur{n:03d}@eig.example", f"{first} {last}", name, ministere,
                "|".join(rng.choice(PROFILE_SETS)), "|".join(tracks),
                "|".join(rng.sample(SENIORITY, k=1)) if rng.random() < 0.4 else "",
                capacity, "|".join(rng.sample(THEMES, k=2)),
            ])
    return path
