"""Deterministic synthetic content of one dossier, from its seed.

Faker (fr_FR) fills name pools once per process with a fixed seed; each dossier then
draws from the pools and hand-written French templates with ``random.Random(seed)``.
Pure and fast (tens of µs per dossier), so champs can be rebuilt at request time
instead of being stored: this is what keeps 100,000 dossiers small in memory.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from faker import Faker

from ds_sandbox.demarches import (
    CANDIDATE_CRITERIA,
    LOCALISATIONS,
    MOTIFS_DECLIN,
    PROFILS,
    PROJECT_CRITERIA,
    QUOTITES,
    THEMES,
)
from ds_sandbox.timeutil import from_us

_NAF_ADMIN = "Administration publique générale"
_NAF_HOSPITAL = "Activités hospitalières"
_NAF_ECO = "Administration publique (tutelle) des activités économiques"
_NAF_HEALTH = "Administration publique (tutelle) de la santé, de la formation, de la culture et des services sociaux, autre que sécurité sociale"  # noqa: E501
_NAF_JUSTICE = "Justice"
_NAF_POLICE = "Activités d'ordre public et de sécurité"

# (name, ministère, NAF label, city, email domain, themes)
ADMINISTRATIONS: tuple[tuple[str, str, str, str, str, tuple[str, ...]], ...] = (
    ("Direction interministérielle du numérique (DINUM)", "Premier ministre", _NAF_ADMIN,
     "Paris", "numerique.gouv.fr", ("numérique", "emploi")),
    ("DREAL Occitanie", "Ministère de la Transition écologique", _NAF_ADMIN, "Toulouse",
     "developpement-durable.gouv.fr", ("environnement", "transports", "logement")),
    ("DREAL Auvergne-Rhône-Alpes", "Ministère de la Transition écologique", _NAF_ADMIN, "Lyon",
     "developpement-durable.gouv.fr", ("environnement", "transports")),
    ("CHU de Bordeaux", "Ministère de la Santé et de l'Accès aux soins", _NAF_HOSPITAL,
     "Bordeaux", "chu-bordeaux.fr", ("santé",)),
    ("Assistance Publique – Hôpitaux de Paris", "Ministère de la Santé et de l'Accès aux soins",
     _NAF_HOSPITAL, "Paris", "aphp.fr", ("santé",)),
    ("Direction générale de la santé", "Ministère de la Santé et de l'Accès aux soins",
     _NAF_HEALTH, "Paris", "sante.gouv.fr", ("santé",)),
    ("Préfecture de la Gironde", "Ministère de l'Intérieur", _NAF_ADMIN, "Bordeaux",
     "gironde.gouv.fr", ("sécurité", "logement", "emploi")),
    ("Préfecture du Nord", "Ministère de l'Intérieur", _NAF_ADMIN, "Lille", "nord.gouv.fr",
     ("sécurité", "transports")),
    ("Direction générale de la gendarmerie nationale", "Ministère de l'Intérieur", _NAF_POLICE,
     "Issy-les-Moulineaux", "gendarmerie.interieur.gouv.fr", ("sécurité",)),
    ("Direction générale des Finances publiques (DGFiP)",
     "Ministère de l'Économie, des Finances et de la Souveraineté industrielle et numérique",
     _NAF_ECO, "Paris", "dgfip.finances.gouv.fr", ("finances publiques",)),
    ("Direction générale des Entreprises",
     "Ministère de l'Économie, des Finances et de la Souveraineté industrielle et numérique",
     _NAF_ECO, "Paris", "finances.gouv.fr", ("emploi", "numérique", "finances publiques")),
    ("Direction de l'administration pénitentiaire", "Ministère de la Justice", _NAF_JUSTICE,
     "Paris", "justice.gouv.fr", ("justice",)),
    ("Direction des affaires civiles et du sceau", "Ministère de la Justice", _NAF_JUSTICE,
     "Paris", "justice.gouv.fr", ("justice",)),
    ("Direction générale de l'enseignement scolaire (DGESCO)",
     "Ministère de l'Éducation nationale", _NAF_ADMIN, "Paris", "education.gouv.fr",
     ("éducation",)),
    ("Rectorat de l'académie de Lyon", "Ministère de l'Éducation nationale", _NAF_ADMIN, "Lyon",
     "ac-lyon.fr", ("éducation",)),
    ("Direction générale de la recherche et de l'innovation",
     "Ministère de l'Enseignement supérieur et de la Recherche", _NAF_ADMIN, "Paris",
     "recherche.gouv.fr", ("éducation", "numérique")),
    ("Direction générale du travail", "Ministère du Travail et de l'Emploi", _NAF_ADMIN, "Paris",
     "travail.gouv.fr", ("emploi",)),
    ("DRAAF Bretagne", "Ministère de l'Agriculture et de la Souveraineté alimentaire",
     _NAF_ADMIN, "Rennes", "agriculture.gouv.fr", ("agriculture", "environnement")),
    ("Direction générale de l'alimentation",
     "Ministère de l'Agriculture et de la Souveraineté alimentaire", _NAF_ADMIN, "Paris",
     "agriculture.gouv.fr", ("agriculture", "santé")),
    ("Direction générale des patrimoines et de l'architecture", "Ministère de la Culture",
     _NAF_HEALTH, "Paris", "culture.gouv.fr", ("culture",)),
    ("Direction générale de l'aviation civile", "Ministère chargé des Transports", _NAF_ECO,
     "Paris", "aviation-civile.gouv.fr", ("transports", "environnement")),
    ("Direction de l'habitat, de l'urbanisme et des paysages",
     "Ministère du Logement et de la Rénovation urbaine", _NAF_ADMIN, "La Défense",
     "developpement-durable.gouv.fr", ("logement",)),
    ("Direction interministérielle de la transformation publique (DITP)",
     "Ministère de la Transformation et de la Fonction publiques", _NAF_ADMIN, "Paris",
     "modernisation.gouv.fr", ("numérique", "emploi")),
    ("Agence du numérique de défense", "Ministère des Armées", _NAF_ADMIN, "Paris",
     "intradef.gouv.fr", ("sécurité", "numérique")),
    ("Direction des Français à l'étranger et de l'administration consulaire",
     "Ministère de l'Europe et des Affaires étrangères", _NAF_ADMIN, "Nantes",
     "diplomatie.gouv.fr", ("numérique",)),
    ("Direction de la jeunesse, de l'éducation populaire et de la vie associative",
     "Ministère des Sports, de la Jeunesse et de la Vie associative", _NAF_ADMIN, "Paris",
     "jeunesse-sports.gouv.fr", ("éducation", "culture")),
)

CHALLENGES: dict[str, tuple[str, ...]] = {
    "santé": ("Réduire les délais de prise en charge aux urgences grâce à la donnée",
              "Repérer plus tôt les ruptures de parcours de soins des patients chroniques",
              "Faciliter l'accès des soignants aux données des essais cliniques"),
    "éducation": ("Détecter et prévenir le décrochage scolaire dès le collège",
                  "Outiller les enseignants pour personnaliser les apprentissages",
                  "Simplifier l'orientation des lycéens vers les formations professionnelles"),
    "environnement": ("Mieux cibler les contrôles des installations classées",
                      "Suivre en temps réel la qualité des cours d'eau",
                      "Mesurer l'artificialisation des sols commune par commune"),
    "justice": ("Réduire les délais de traitement des affaires civiles",
                "Faciliter la réinsertion des personnes détenues par l'accès à l'emploi",
                "Rendre la jurisprudence accessible et exploitable par tous"),
    "emploi": ("Rapprocher les offres d'emploi non pourvues des demandeurs d'emploi",
               "Simplifier les démarches des employeurs pour l'accueil d'apprentis",
               "Lutter contre le non-recours aux aides à la mobilité"),
    "culture": ("Ouvrir les collections patrimoniales au plus grand nombre",
                "Mieux connaître les publics des établissements culturels",
                "Faciliter l'instruction des demandes de travaux sur monuments historiques"),
    "agriculture": ("Simplifier les déclarations des exploitants agricoles",
                    "Anticiper les crises sanitaires dans les élevages",
                    "Tracer l'origine des produits de la restauration collective"),
    "transports": ("Fiabiliser l'information voyageurs dans les territoires ruraux",
                   "Optimiser l'entretien des ouvrages d'art routiers",
                   "Réduire les nuisances sonores autour des aéroports"),
    "sécurité": ("Accélérer le traitement des plaintes en ligne",
                 "Mieux coordonner les secours lors des événements climatiques",
                 "Lutter contre les escroqueries en ligne visant les particuliers"),
    "logement": ("Repérer les logements indignes à partir des signalements",
                 "Accélérer l'instruction des demandes de logement social",
                 "Accompagner la rénovation énergétique des copropriétés"),
    "finances publiques": ("Détecter la fraude à la TVA grâce à l'analyse de données",
                           "Simplifier le paiement des amendes et des impôts locaux",
                           "Rendre lisible la dépense publique pour les citoyens"),
    "numérique": ("Mutualiser les formulaires administratifs des collectivités",
                  "Mesurer la satisfaction des usagers des services publics en ligne",
                  "Faciliter l'accès des agents publics aux outils collaboratifs souverains"),
}

PUBLICS = ("usagers", "agents de terrain", "collectivités", "patients",
           "familles d'élèves", "entreprises", "exploitants",
           "demandeurs d'emploi", "victimes", "locataires")
"""Bare plural nouns: the sentences give them their article (« les », « des », « 300 »)."""

ANSWERS: dict[str, tuple[str, ...]] = {
    "politique_prioritaire": (
        "Le défi s'inscrit dans la feuille de route gouvernementale sur {theme}.",
        "Le service est identifié comme le levier principal du plan ministériel {annee}.",
        "Sa réussite conditionne l'atteinte d'un objectif suivi au niveau interministériel.",
    ),
    "probleme_avere": (
        "Une enquête menée auprès de {n} {public} a confirmé le problème.",
        "Des entretiens avec les équipes de {ville} ont permis d'en mesurer l'ampleur.",
        "Les données d'activité des trois dernières années montrent une dégradation nette.",
    ),
    "probleme_majeur": (
        "Environ {n} personnes sont concernées chaque année.",
        "Le problème se répète à chaque campagne et mobilise fortement les {public}.",
        "Ses conséquences sont lourdes : délais allongés, renoncements et coûts évités perdus.",
    ),
    "probleme_actionnable": (
        "Un terrain d'expérimentation est prêt à {ville}, avec des agents volontaires.",
        "Objectif : réduire de {pct} % le délai moyen en douze mois.",
        "Des {public} volontaires ont accepté de tester les premières versions.",
    ),
    "approche_produit": (
        "L'équipe a déjà conduit des itérations courtes avec des tests utilisateurs.",
        "Des indicateurs d'usage seront suivis chaque semaine et partagés au comité.",
        "Nous acceptons de remettre en cause la solution si les mesures le justifient.",
    ),
    "sponsoring": (
        "Le projet est porté par la direction, qui préside un comité mensuel.",
        "Le sponsor facilite les arbitrages et s'est engagé à lever les blocages.",
        "Le pilotage se fera de manière collaborative avec les équipes métier.",
    ),
    "autonomie_ressources": (
        "Les experts métier sont disponibles une demi-journée par semaine.",
        "L'accès aux données a été validé avec le délégué à la protection des données.",
        "L'équipe disposera d'un environnement de développement et d'hébergement dédié.",
    ),
    "feuille_de_route": (
        "Une feuille de route à trois ans prévoit un déploiement national progressif.",
        "Les priorités ont été établies à partir des irritants remontés par le terrain.",
        "La pérennisation du service est prévue au budget dès la deuxième année.",
    ),
    "ambition_entrepreneuriale": (
        "Les EIG permettront de passer d'un prototype à un service utilisé à grande échelle.",
        "Il s'agit de créer un service public numérique qui n'existe pas encore.",
        "L'ambition est de devenir la référence sur {theme} pour l'ensemble des territoires.",
    ),
}

FONCTIONS = ("cheffe de projet numérique", "chef du bureau des systèmes d'information",
             "responsable de l'innovation", "directrice adjointe", "chargé de mission données",
             "responsable du pôle métier", "administratrice des données")
SPONSOR_FONCTIONS = ("directeur général", "directrice générale", "secrétaire générale",
                     "préfet de région", "directrice de cabinet", "chef de service")
SIGNATORIES = ("directeur général", "directrice générale", "secrétaire générale")
ROLES = ("expert métier", "développeur", "responsable des données", "cheffe de produit",
         "agent de terrain", "référente juridique", "coach agile")
POSTES: dict[str, tuple[str, ...]] = {
    "designer": ("designer UX", "designer de service", "product designer"),
    "développeur·se": ("développeuse full-stack", "développeur back-end", "lead développeur"),
    "ingénieur·e de la donnée": ("data engineer", "ingénieure données", "architecte data"),
    "ingénieur·e des sciences de la donnée": ("data scientist", "chercheuse en apprentissage"
                                              " automatique", "statisticien"),
    "juriste du numérique": ("juriste RGPD", "avocate en droit du numérique",
                             "déléguée à la protection des données"),
    "directeur·rice de produit": ("product manager", "head of product", "cofondatrice"),
    "directeur·rice technique": ("CTO", "directeur technique", "architecte logiciel"),
}
MOTIVATIONS = (
    "Je souhaite mettre mes compétences au service de l'intérêt général.",
    "Après plusieurs années en start-up, je veux contribuer à transformer l'action publique.",
    "Le programme EIG est l'occasion de travailler sur des défis qui ont un impact réel.",
    "J'ai à cœur de rendre les services publics plus simples et plus accessibles.",
    "Je suis attirée par la culture du logiciel libre et de l'ouverture des données.",
    "Travailler au plus près des agents et des usagers correspond à ma façon de concevoir.",
)
COMMENTS = (
    "Dossier solide, le problème est bien documenté.",
    "Le sponsoring mériterait d'être précisé.",
    "Très bonne adéquation avec l'approche produit.",
    "Profil convaincant, expérience entrepreneuriale réelle.",
    "La feuille de route reste floue à ce stade.",
    "Candidature prometteuse, à confirmer en entretien.",
)


@dataclass(frozen=True, slots=True)
class Pools:
    male: tuple[str, ...]
    female: tuple[str, ...]
    last: tuple[str, ...]
    companies: tuple[str, ...]
    cities: tuple[str, ...]
    sirets: tuple[str, ...]  # one per administration


@cache
def pools() -> Pools:
    """Name pools, drawn once from Faker fr_FR with a fixed seed (the same in every run)."""
    fake = Faker("fr_FR")
    fake.seed_instance(2017)  # the year of the first EIG promotion
    rng = random.Random(2017)
    return Pools(
        male=tuple(dict.fromkeys(fake.first_name_male() for _ in range(300))),
        female=tuple(dict.fromkeys(fake.first_name_female() for _ in range(300))),
        last=tuple(dict.fromkeys(fake.last_name() for _ in range(600))),
        companies=tuple(dict.fromkeys(fake.company() for _ in range(200))),
        cities=tuple(dict.fromkeys(fake.city() for _ in range(200))),
        sirets=tuple(_siret(rng) for _ in ADMINISTRATIONS),
    )


def _siret(rng: random.Random) -> str:
    """A SIRET of a public body (starts with 1), with a valid Luhn key."""
    digits = [1] + [rng.randrange(10) for _ in range(12)]
    for check in range(10):
        candidate = digits + [check]
        total = 0
        for i, digit in enumerate(reversed(candidate)):
            doubled = digit * 2 if i % 2 else digit
            total += doubled - 9 if doubled > 9 else doubled
        if total % 10 == 0:
            return "".join(map(str, candidate))
    raise AssertionError("unreachable")


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() else "-" for c in plain.lower()).strip("-")


@dataclass(frozen=True, slots=True)
class Person:
    civilite: str
    prenom: str
    nom: str

    def email(self, domain: str) -> str:
        return f"{ascii_slug(self.prenom)}.{ascii_slug(self.nom)}@{domain}"

    @property
    def full_name(self) -> str:
        return f"{self.prenom} {self.nom}"


def person(rng: random.Random) -> Person:
    p = pools()
    if rng.random() < 0.5:
        return Person("Mme", rng.choice(p.female), rng.choice(p.last))
    return Person("M", rng.choice(p.male), rng.choice(p.last))


@dataclass(frozen=True, slots=True)
class Content:
    """Champ values by descriptor key, plus the demandeur and the account's email."""

    values: dict[str, Any]
    demandeur: dict[str, Any]
    usager_email: str


def _fill(template: str, rng: random.Random, theme: str, city: str) -> str:
    return template.format(
        theme=theme, ville=city, public=rng.choice(PUBLICS), n=rng.randrange(2, 400) * 100,
        pct=rng.choice((20, 25, 30, 40, 50)), annee=rng.choice((2025, 2026)),
    )


def _paragraph(key: str, rng: random.Random, theme: str, city: str) -> str:
    sentences = rng.sample(ANSWERS[key], k=rng.randint(2, 3))
    return " ".join(_fill(s, rng, theme, city) for s in sentences)


def projet(seed: int) -> Content:
    rng = random.Random(seed)
    index = rng.randrange(len(ADMINISTRATIONS))
    name, ministere, naf, city, domain, themes = ADMINISTRATIONS[index]
    theme = rng.choice(themes)
    porteur, sponsor = person(rng), person(rng)
    title = rng.choice(CHALLENGES[theme])
    values: dict[str, Any] = {
        "administration": name,
        "ministere": ministere,
        "intitule": title,
        "theme": theme,
        "porteur": f"{porteur.full_name}, {rng.choice(FONCTIONS)}",
        "email": porteur.email(domain),
        "sponsor": f"{sponsor.full_name}, {rng.choice(SPONSOR_FONCTIONS)}",
        "description": (f"{title}. " + _fill(rng.choice(ANSWERS["probleme_majeur"]), rng,
                                             theme, city)
                        + " " + _fill(rng.choice(ANSWERS["probleme_actionnable"]), rng, theme,
                                      city)),
        "nombre_eig": rng.choice((1, 1, 2)),
        "profils": sorted(rng.sample(PROFILS, k=rng.randint(1, 3)), key=PROFILS.index),
        "localisation": city if rng.random() < 0.9 else None,
    }
    for key in ("politique_prioritaire", "probleme_avere", "probleme_majeur",
                "probleme_actionnable", "approche_produit", "sponsoring",
                "autonomie_ressources", "feuille_de_route", "ambition_entrepreneuriale"):
        values[key] = _paragraph(key, rng, theme, city)
    rows = []
    for _ in range(rng.randint(1, 4)):
        member = person(rng)
        rows.append({"nom": member.full_name, "role": rng.choice(ROLES),
                     "email": member.email(domain)})
    values["equipe"] = rows
    # a sponsor who heads the administration signs for it; else the applicant left it blank
    function = values["sponsor"].rsplit(", ", 1)[1]
    values["signataire"] = values["sponsor"] if function in SIGNATORIES else None
    demandeur = {"__typename": "PersonneMorale", "siret": pools().sirets[index],
                 "libelleNaf": naf, "naf": None, "siegeSocial": True}
    return Content(values, demandeur, porteur.email(domain))


def candidat(seed: int, depot_us: int) -> Content:
    rng = random.Random(seed)
    who = person(rng)
    specialite = rng.choice(PROFILS)
    annees = rng.randint(1, 25)
    public = rng.random() < 0.3
    employeur = (rng.choice(ADMINISTRATIONS)[0] if public else rng.choice(pools().companies))
    email = who.email(rng.choice(("gmail.com", "proton.me", "laposte.net", "free.fr")))
    depot_day = from_us(depot_us).date()
    values: dict[str, Any] = {
        "specialite": specialite,
        "annees_experience": annees,
        "employeur": employeur if rng.random() < 0.95 else None,
        "telephone": "0{} {:02d} {:02d} {:02d} {:02d}".format(
            rng.choice((6, 7)), *(rng.randrange(100) for _ in range(4))),
        "portfolio": (f"https://github.com/{ascii_slug(who.prenom)}{ascii_slug(who.nom)}"
                      if rng.random() < 0.7 else None),
        "motivation": " ".join(rng.sample(MOTIVATIONS, k=rng.randint(2, 3))),
        "voeux_thematiques": sorted(rng.sample(THEMES, k=rng.randint(1, 4)), key=THEMES.index),
        "voeux_localisations": sorted(rng.sample(LOCALISATIONS, k=rng.randint(1, 3)),
                                      key=LOCALISATIONS.index),
        "voeux_administrations": (rng.choice(ADMINISTRATIONS)[0]
                                  if rng.random() < 0.4 else None),
        "disponibilite": depot_day + timedelta(days=rng.randint(15, 180)),
        "quotite": QUOTITES[0] if rng.random() < 0.8 else QUOTITES[1],
    }
    rows = []
    for _ in range(rng.randint(1, 4)):
        rows.append({
            "poste": rng.choice(POSTES[specialite]),
            "organisation": rng.choice(pools().companies),
            "duree_mois": rng.randint(6, 60),
        })
    values["experiences"] = rows
    demandeur = {"__typename": "PersonnePhysique", "civilite": who.civilite, "nom": who.nom,
                 "prenom": who.prenom, "email": email, "dateDeNaissance": _birth(rng, annees,
                                                                                depot_day)}
    return Content(values, demandeur, email)


def _birth(rng: random.Random, annees: int, today: date) -> str:
    age = 22 + annees + rng.randint(0, 6)
    return (today - timedelta(days=365 * age + rng.randrange(365))).isoformat()


def evaluation(seed: int, ref: int | None, ref_track: str | None) -> Content:
    rng = random.Random(seed)
    who = person(rng)
    email = who.email(rng.choice(("numerique.gouv.fr", "beta.gouv.fr", "finances.gouv.fr",
                                  "interieur.gouv.fr")))
    nature = rng.choices(("évaluation", "audition", "déclin"), weights=(80, 12, 8))[0]
    track = ref_track or "projets"
    values: dict[str, Any] = {
        "dossier_evalue": ref if ref is not None else rng.randint(1, 1000),
        "jeton": rng.randbytes(16).hex(),
        "nature": nature,
        "evaluateur_email": email,
        "commentaire": None,
        "motif_declin": None,
    }
    criteria = PROJECT_CRITERIA if track == "projets" else CANDIDATE_CRITERIA
    if nature == "déclin":
        values["motif_declin"] = rng.choice(MOTIFS_DECLIN)
    else:
        for key in criteria:
            values[f"note_{key}"] = rng.choices(range(6), weights=(2, 5, 15, 30, 30, 18))[0]
        values["commentaire"] = " ".join(rng.sample(COMMENTS, k=rng.randint(1, 2)))
    demandeur = {"__typename": "PersonnePhysique", "civilite": who.civilite, "nom": who.nom,
                 "prenom": who.prenom, "email": email, "dateDeNaissance": None}
    return Content(values, demandeur, email)


def mission(seed: int, depot_us: int, ref: int | None) -> Content:
    """A mission described by a lauréat administration (``ref``: its projet dossier)."""
    rng = random.Random(seed)
    name, _, naf, city, domain, themes = ADMINISTRATIONS[rng.randrange(len(ADMINISTRATIONS))]
    theme = rng.choice(themes)
    contact = person(rng)
    title = rng.choice(CHALLENGES[theme])
    values: dict[str, Any] = {
        "projet_dossier": ref if ref is not None else rng.randint(1, 1000),
        "administration": name,
        "intitule": f"{title} — mission EIG",
        "profils": sorted(rng.sample(PROFILS, k=rng.choice((1, 1, 2))), key=PROFILS.index),
        "quotite": QUOTITES[0] if rng.random() < 0.8 else QUOTITES[1],
        "debut": from_us(depot_us).date() + timedelta(days=rng.randint(45, 120)),
        "localisation": city,
        "thematique": theme,
        "experience_min": rng.choice((None, 3, 5)),
        "contact_nom": contact.full_name,
        "contact_email": contact.email(domain),
        "description": f"{title}. " + _fill(rng.choice(ANSWERS["probleme_actionnable"]), rng,
                                            theme, city),
    }
    demandeur = {"__typename": "PersonneMorale", "siret": _siret(rng), "libelleNaf": naf,
                 "naf": None, "siegeSocial": True}
    return Content(values, demandeur, contact.email(domain))


def content_of(kind: str, seed: int, depot_us: int, ref: int | None = None,
               ref_track: str | None = None) -> Content:
    """The content of a dossier of démarche ``kind`` (projets, candidats, evaluations,
    missions)."""
    if kind == "projets":
        return projet(seed)
    if kind == "candidats":
        return candidat(seed, depot_us)
    if kind == "evaluations":
        return evaluation(seed, ref, ref_track)
    if kind == "missions":
        return mission(seed, depot_us, ref)
    return Content({}, {"__typename": "PersonnePhysique", "civilite": None, "nom": "Usager",
                        "prenom": "Anonyme", "email": None, "dateDeNaissance": None},
                   f"usager-{seed}@example.org")
