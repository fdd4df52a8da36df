"""Sample contexts of ``templates/documents/convention.docx`` (models/convention_draft.py).

``convention_context("budgetaire")``: two EIG at full time, 10 months, co-financed half
by the DINUM. ``convention_context("partenariat")``: one EIG at 4/5, 12 months, experience
unknown (costed at the highest band), no co-financing split. Each call returns a fresh
dict, safe to modify. Figures follow the annex's rules (cost = net total × 1.85).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D
from typing import Any

GENERATED = datetime(2026, 12, 16, 9, 30, tzinfo=UTC)

A_CONFIRMER = [
    "coût employeur estimé à 1,85 fois la rémunération nette (charges et cotisations)",
    "part cofinancée par la DINUM : 50\u00a0% du coût employeur",
]


def _common() -> dict[str, Any]:
    return {
        "version": 1, "genere_le": GENERATED,
        "dinum": {"nom": "Direction interministérielle du numérique (DINUM)",
                  "representant": "le directeur interministériel du numérique",
                  "adresse": "20 avenue de Ségur, 75007 Paris"},
        "administration": {
            "nom": "Direction générale des entreprises",
            "ministere": "Ministère de l'Économie, des Finances et de l'Industrie",
            "porteur": "Camille Durand", "email": "camille.durand@finances.gouv.fr",
            "signataire": "Thomas Courbe, directeur général des entreprises",
            "localisation": "Paris"},
        "sponsor": "Jean-Luc Martin, chef du service de l'économie numérique",
        "coach": "à désigner par la DINUM",
        "equipe": [
            {"nom": "Inès Benali", "role": "Cheffe de projet",
             "email": "ines.benali@finances.gouv.fr"},
            {"nom": "Paul Lefèvre", "role": "Expert métier",
             "email": "paul.lefevre@finances.gouv.fr"},
        ],
        "mission": {
            "intitule": "Signaux faibles & entreprises en difficulté", "theme": "Économie",
            "paragraphes": [
                "Détecter plus tôt les entreprises en difficulté grâce aux données publiques.",
                "Les agents des commissaires aux restructurations testeront le service.",
            ],
            "objectif": "Un service testé par trois commissariats d'ici six mois ; objectif : "
                        "repérer deux fois plus tôt les entreprises en difficulté.",
            "localisation": "Paris"},
        "decision": {"comite": "Comité de sélection — Appel à projets",
                     "date": date(2026, 12, 16)},
    }


def _budgetaire() -> dict[str, Any]:
    return {
        "numero": "EIG-CONV-2026-0001", "dossier": 77,
        "type": "budgetaire", "type_libelle": "Convention budgétaire", "cadre": "cadre fixe",
        "employeur": "administration",
        "employeur_libelle": "l'administration d'accueil, qui recrute et emploie les EIG ; "
                             "la DINUM cofinance",
        "contrat": {"libelle": "agent contractuel de l'administration, contrat à durée "
                               "déterminée de 10 mois à temps plein"},
        "eig": [
            {"rang": 1, "profil": "développeur·se", "quotite": D(1),
             "quotite_libelle": "temps plein", "experience_libelle": "5 ans d'expérience ou plus"},
            {"rang": 2, "profil": "designer", "quotite": D(1),
             "quotite_libelle": "temps plein",
             "experience_libelle": "moins de 5 ans d'expérience"},
        ],
        "dates": {"debut": date(2027, 9, 1), "fin": date(2028, 6, 30), "duree_mois": 10,
                  "renouvelable": False,
                  "renouvellement": "La convention n'est pas renouvelable ; elle prend fin au "
                                    "terme du contrat."},
        "annexe": {
            "lignes": [
                _line(1, "développeur·se", "5 ans d'expérience ou plus", D(4000), D(1), 10,
                      D(0), D("0.5")),
                _line(2, "designer", "moins de 5 ans d'expérience", D(3500), D(1), 10,
                      D(0), D("0.5")),
            ],
            "totaux": {"net_fixe": D("75000.00"), "part_variable": D("0.00"),
                       "net_total": D("75000.00"), "cout_employeur": D("138750.00"),
                       "part_dinum": D("69375.00"), "part_administration": D("69375.00")},
            "grille": [
                {"tranche_libelle": "moins de 5 ans d'expérience", "net_mensuel": D(3500),
                 "taux_variable": D(0)},
                {"tranche_libelle": "5 ans d'expérience ou plus", "net_mensuel": D(4000),
                 "taux_variable": D(0)},
            ],
            "taux_cout_employeur": D("1.85"), "taux_part_dinum": D("0.5"),
            "a_confirmer": list(A_CONFIRMER), "hypothese": "",
        },
    }


def _partenariat() -> dict[str, Any]:
    return {
        "numero": "EIG-CONV-2026-0002", "dossier": 78,
        "type": "partenariat", "type_libelle": "Convention de partenariat",
        "cadre": "cadre adaptable", "employeur": "dinum",
        "employeur_libelle": "la DINUM, qui recrute et emploie les EIG ; l'administration "
                             "les accueille",
        "contrat": {"libelle": "agent contractuel de la DINUM, contrat de projet d'une durée "
                               "de 12 mois, renouvelable, à 4/5"},
        "eig": [{"rang": 1, "profil": "ingénieur·e de la donnée", "quotite": D("0.8"),
                 "quotite_libelle": "4/5", "experience_libelle": "à déterminer au recrutement"}],
        "dates": {"debut": date(2027, 2, 1), "fin": date(2028, 1, 31), "duree_mois": 12,
                  "renouvelable": True,
                  "renouvellement": "La convention peut être renouvelée pour 12 mois par "
                                    "avenant, d'un commun accord, au vu du bilan de la mission."},
        "annexe": {
            "lignes": [_line(1, "ingénieur·e de la donnée", "10 ans d'expérience ou plus",
                             D(5000), D("0.8"), 12, D("0.10"), None, hypothese=True)],
            "totaux": {"net_fixe": D("48000.00"), "part_variable": D("4800.00"),
                       "net_total": D("52800.00"), "cout_employeur": D("97680.00"),
                       "part_dinum": None, "part_administration": None},
            "grille": [
                {"tranche_libelle": "moins de 10 ans d'expérience", "net_mensuel": D(4250),
                 "taux_variable": D("0.06")},
                {"tranche_libelle": "10 ans d'expérience ou plus", "net_mensuel": D(5000),
                 "taux_variable": D("0.10")},
            ],
            "taux_cout_employeur": D("1.85"), "taux_part_dinum": None,
            "a_confirmer": A_CONFIRMER[:1],
            "hypothese": "L'expérience des EIG n'étant connue qu'au recrutement, les montants "
                         "sont calculés sur la tranche la plus haute (plafond).",
        },
    }


def _line(rang: int, profil: str, tranche: str, plein: D, quotite: D, mois: int,
          taux_variable: D, part_dinum: D | None, *, hypothese: bool = False) -> dict[str, Any]:
    """One annex line, computed as models/convention_finance.py does."""
    mensuel = (plein * quotite).quantize(D("0.01"))
    fixe = mensuel * mois
    variable = (fixe * taux_variable).quantize(D("0.01"))
    cout = ((fixe + variable) * D("1.85")).quantize(D("0.01"))
    dinum = (cout * part_dinum).quantize(D("0.01")) if part_dinum is not None else None
    return {"rang": rang, "profil": profil, "tranche_libelle": tranche, "hypothese": hypothese,
            "quotite_libelle": "temps plein" if quotite == 1 else "4/5",
            "net_mensuel_plein": plein, "net_mensuel": mensuel, "mois": mois, "net_fixe": fixe,
            "taux_variable": taux_variable, "part_variable": variable,
            "net_total": fixe + variable, "cout_employeur": cout, "part_dinum": dinum,
            "part_administration": cout - dinum if dinum is not None else None}


def convention_context(kind: str = "budgetaire") -> dict[str, Any]:
    """A full context of the convention template for ``kind`` (budgetaire, partenariat)."""
    specific = {"budgetaire": _budgetaire, "partenariat": _partenariat}[kind]()
    return {**_common(), **specific}
