"""The sandbox démarches: champ descriptors matching config/eig.yaml.

Descriptor ids are base64 of ``Champ-<n>`` as in DS; they must stay equal to the
ids of config/eig.yaml (a unit test checks it). The private annotations (DS-side only,
not in the configuration), the labels and the instructeurs are the sandbox's own.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

MINISTERES = (
    "Premier ministre",
    "Ministère de l'Économie, des Finances et de la Souveraineté industrielle et numérique",
    "Ministère de l'Intérieur",
    "Ministère de l'Éducation nationale",
    "Ministère de l'Enseignement supérieur et de la Recherche",
    "Ministère de la Justice",
    "Ministère des Armées",
    "Ministère de la Santé et de l'Accès aux soins",
    "Ministère du Travail et de l'Emploi",
    "Ministère de la Transition écologique",
    "Ministère de l'Agriculture et de la Souveraineté alimentaire",
    "Ministère de la Culture",
    "Ministère de l'Europe et des Affaires étrangères",
    "Ministère de la Transformation et de la Fonction publiques",
    "Ministère du Logement et de la Rénovation urbaine",
    "Ministère chargé des Transports",
    "Ministère des Sports, de la Jeunesse et de la Vie associative",
)
THEMES = (
    "santé", "éducation", "environnement", "justice", "emploi", "culture", "agriculture",
    "transports", "sécurité", "logement", "finances publiques", "numérique",
)
PROFILS = (
    "designer",
    "développeur·se",
    "ingénieur·e de la donnée",
    "ingénieur·e des sciences de la donnée",
    "juriste du numérique",
    "directeur·rice de produit",
    "directeur·rice technique",
)
LOCALISATIONS = (
    "Paris", "Lyon", "Marseille", "Toulouse", "Bordeaux", "Lille", "Nantes", "Strasbourg",
    "Rennes", "Montpellier", "Dijon", "Orléans", "Outre-mer",
)
QUOTITES = ("temps plein", "4/5")
NATURES = ("évaluation", "audition", "déclin")
MOTIFS_DECLIN = (
    "conflit d'intérêts",
    "indisponibilité sur la période",
    "hors de mon domaine d'expertise",
)

DECISIONS = ("Présélection favorable", "À discuter", "Présélection défavorable")
LABEL_NAMES: tuple[str, ...] = (*DECISIONS, "Liste d'attente")
"""The labels every sandbox démarche has (``demarche.labels``)."""

PROJECT_CRITERIA = (
    "soutien_politiques_prioritaires", "probleme_avere", "probleme_majeur",
    "probleme_actionnable", "adequation_approche_produit", "sponsoring",
    "autonomie_ressources", "feuille_de_route", "ambition_entrepreneuriale",
)
CANDIDATE_CRITERIA = (
    "coherence_profil", "experience_entrepreneuriale", "capacite_adaptation",
    "capacite_communication", "interet_thematique",
)


def typed_id(kind: str, key: object) -> str:
    """A DS global id: base64 of ``<Kind>-<key>``."""
    return base64.b64encode(f"{kind}-{key}".encode()).decode()


@dataclass(frozen=True, slots=True)
class Descriptor:
    """One champ descriptor; ``key`` is the field name of config/eig.yaml."""

    n: int
    key: str
    typename: str  # e.g. "TextChampDescriptor"
    label: str
    required: bool = False
    options: tuple[str, ...] | None = None
    children: tuple[Descriptor, ...] = ()
    id: str = field(init=False, compare=False)  # base64 of "Champ-<n>", computed once

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", typed_id("Champ", self.n))


@dataclass(frozen=True, slots=True)
class Instructeur:
    """A DS instructeur: the same id on every démarche (DS ids are per account)."""

    n: int
    email: str

    @property
    def id(self) -> str:
        return typed_id("Instructeur", self.n)


INSTRUCTEUR = Instructeur(1, "instructeur@eig.example")
"""In the default groupe instructeur of every démarche (where every dossier is)."""
AUTRE_INSTRUCTEUR = Instructeur(2, "autre@eig.example")
"""Only in a second groupe instructeur ("Autre groupe") of every démarche."""
INSTRUCTEURS: tuple[Instructeur, ...] = (INSTRUCTEUR, AUTRE_INSTRUCTEUR)


@dataclass(frozen=True, slots=True)
class DemarcheSpec:
    key: str
    number: int
    title: str
    description: str
    champs: tuple[Descriptor, ...]
    annotations: tuple[Descriptor, ...] = field(default=())
    labels: tuple[str, ...] = field(default=())  # beside LABEL_NAMES, the démarche's own


def demarche_path(spec: DemarcheSpec) -> str:
    """The démarche's path in its links, ``/commencer/<path>`` (DS's ``procedure.path``):
    its key (``projets``, ``candidats``, ``evaluations``), as config/eig.yaml says."""
    return spec.key


def _d(n: int, key: str, kind: str, label: str, required: bool = False,
       options: tuple[str, ...] | None = None,
       children: tuple[Descriptor, ...] = ()) -> Descriptor:
    return Descriptor(n, key, f"{kind}ChampDescriptor", label, required, options, children)


def _annotations(base: int) -> tuple[Descriptor, ...]:
    """The private annotations the pipeline writes back (DS-side only)."""
    return (
        _d(base + 1, "note_totale", "DecimalNumber", "Note totale"),
        _d(base + 2, "rang", "IntegerNumber", "Rang"),
        _d(base + 3, "nombre_evaluations", "IntegerNumber", "Nombre d'évaluations"),
        _d(base + 4, "alertes", "Textarea", "Alertes"),
        _d(base + 5, "decision_proposee", "DropDownList", "Décision proposée", options=DECISIONS),
        _d(base + 6, "decision_comite", "Text", "Décision du comité"),
    )


PROJETS = DemarcheSpec(
    key="projets",
    number=101,
    title="EIG — Appel à projets",
    description="Déposez un défi numérique d'intérêt général pour accueillir des EIG.",
    champs=(
        _d(1001, "administration", "Text", "Administration porteuse", True),
        _d(1002, "ministere", "DropDownList", "Ministère de rattachement", True, MINISTERES),
        _d(1003, "intitule", "Text", "Intitulé du défi", True),
        _d(1004, "theme", "DropDownList", "Thématique", True, THEMES),
        _d(1005, "porteur", "Text", "Porteur du projet (nom et fonction)", True),
        _d(1006, "email", "Email", "Courriel du porteur", True),
        _d(1007, "sponsor", "Text", "Sponsor (nom et fonction)", True),
        _d(1008, "description", "Textarea", "Description du défi", True),
        _d(1009, "nombre_eig", "IntegerNumber", "Nombre d'EIG souhaités (1 ou 2)", True),
        _d(1010, "profils", "MultipleDropDownList", "Profils recherchés", True, PROFILS),
        _d(1011, "localisation", "Text", "Lieu de la mission"),
        _d(1012, "politique_prioritaire", "Textarea",
           "En quoi le service est-il le levier d'une politique prioritaire ?", True),
        _d(1013, "probleme_avere", "Textarea",
           "Comment le problème a-t-il été confronté au terrain ?", True),
        _d(1014, "probleme_majeur", "Textarea",
           "Qui est touché par le problème, et avec quelles conséquences ?", True),
        _d(1015, "probleme_actionnable", "Textarea",
           "Terrain d'expérimentation et objectif d'impact mesurable", True),
        _d(1016, "approche_produit", "Textarea",
           "Comment l'administration apprend-elle de résultats mesurés ?", True),
        _d(1017, "sponsoring", "Textarea", "Poids et qualité du sponsoring", True),
        _d(1018, "autonomie_ressources", "Textarea",
           "Accès aux experts métier, aux usagers et aux ressources", True),
        _d(1019, "feuille_de_route", "Textarea", "Feuille de route stratégique à moyen terme",
           True),
        _d(1020, "ambition_entrepreneuriale", "Textarea",
           "Quel cap significatif les EIG permettront-ils de franchir ?", True),
        _d(1021, "equipe", "Repetition", "Équipe projet", children=(
            _d(1101, "nom", "Text", "Nom", True),
            _d(1102, "role", "Text", "Rôle", True),
            _d(1103, "email", "Email", "Courriel", True),
        )),
        _d(1022, "signataire", "Text",
           "Signataire de la convention pour l'administration (nom et qualité)"),
    ),
    annotations=_annotations(1200),
)

CANDIDATS = DemarcheSpec(
    key="candidats",
    number=102,
    title="EIG — Candidature",
    description="Candidatez au programme Entrepreneur·es d'intérêt général.",
    champs=(
        _d(2001, "specialite", "DropDownList", "Spécialité", True, PROFILS),
        _d(2002, "annees_experience", "IntegerNumber", "Années d'expérience professionnelle", True),
        _d(2003, "employeur", "Text", "Employeur actuel ou dernier employeur"),
        _d(2004, "telephone", "Text", "Téléphone"),
        _d(2005, "portfolio", "Text", "Lien vers un portfolio, un dépôt de code ou un profil"),
        _d(2006, "motivation", "Textarea", "Pourquoi rejoindre le programme EIG ?", True),
        _d(2007, "voeux_thematiques", "MultipleDropDownList", "Thématiques souhaitées",
           options=THEMES),
        _d(2008, "voeux_localisations", "MultipleDropDownList", "Localisations souhaitées",
           options=LOCALISATIONS),
        _d(2009, "voeux_administrations", "Text", "Administrations souhaitées"),
        _d(2010, "disponibilite", "Date", "Date de disponibilité", True),
        _d(2011, "quotite", "DropDownList", "Quotité souhaitée", True, QUOTITES),
        _d(2012, "experiences", "Repetition", "Expériences marquantes", children=(
            _d(2101, "poste", "Text", "Poste", True),
            _d(2102, "organisation", "Text", "Organisation", True),
            _d(2103, "duree_mois", "IntegerNumber", "Durée (mois)", True),
        )),
    ),
    annotations=_annotations(2200),
)

_NOTES = tuple(
    _d(3010 + i, f"note_{key}", "IntegerNumber", f"Note : {key}")
    for i, key in enumerate(PROJECT_CRITERIA + CANDIDATE_CRITERIA)
)

EVALUATIONS = DemarcheSpec(
    key="evaluations",
    number=103,
    title="EIG — Grille d'évaluation",
    description="Grille d'évaluation d'un dossier EIG (lien prérempli envoyé à l'évaluateur).",
    champs=(
        _d(3001, "dossier_evalue", "IntegerNumber", "Numéro du dossier évalué", True),
        _d(3002, "jeton", "Text", "Jeton de l'évaluation (ne pas modifier)", True),
        _d(3003, "nature", "DropDownList", "Nature", True, NATURES),
        _d(3004, "evaluateur_email", "Email", "Votre courriel", True),
        *_NOTES,
        _d(3030, "commentaire", "Textarea", "Commentaire"),
        _d(3031, "motif_declin", "DropDownList", "Motif si vous ne pouvez pas évaluer",
           options=MOTIFS_DECLIN),
    ),
)

VIVIER = DemarcheSpec(
    key="vivier",
    number=106,
    title="EIG — Ma situation dans le vivier",
    description="Mettez à jour votre date de disponibilité et vos souhaits, ou quittez le "
    "vivier (lien prérempli envoyé avec la décision du comité).",
    champs=(
        _d(6001, "dossier_candidature", "IntegerNumber",
           "Numéro de votre dossier de candidature (ne pas modifier)", True),
        _d(6002, "jeton", "Text", "Jeton du vivier (ne pas modifier)", True),
        _d(6003, "consentement", "YesNo", "Je souhaite rester dans le vivier des EIG", True),
        _d(6004, "disponibilite", "Date", "Nouvelle date de disponibilité"),
        _d(6005, "voeux_thematiques", "MultipleDropDownList", "Thématiques souhaitées",
           options=THEMES),
        _d(6006, "voeux_localisations", "MultipleDropDownList", "Localisations souhaitées",
           options=LOCALISATIONS),
        _d(6007, "voeux_administrations", "Text", "Administrations souhaitées"),
        _d(6008, "quotite", "DropDownList", "Quotité souhaitée", options=QUOTITES),
    ),
)

HEURES = tuple(f"{h:02d}:{m:02d}" for h in range(8, 21) for m in (0, 30))[:-1]
"""The hours offered by the availability form: 08:00 to 20:00, every half hour."""

DISPONIBILITES = DemarcheSpec(
    key="disponibilites",
    number=105,
    title="EIG — Disponibilités pour les auditions",
    description="Vos disponibilités pour les auditions du programme EIG (lien prérempli "
                "envoyé aux jurés et aux administrations).",
    champs=(
        _d(5001, "jeton", "Text", "Jeton de la demande (ne pas modifier)", True),
        _d(5002, "courriel", "Email", "Votre courriel", True),
        _d(5003, "creneaux", "Repetition", "Vos disponibilités", True, children=(
            _d(5101, "jour", "Date", "Jour", True),
            _d(5102, "de", "DropDownList", "De (heure de Paris)", True, HEURES),
            _d(5103, "a", "DropDownList", "À (heure de Paris)", True, HEURES),
        )),
        _d(5004, "commentaire", "Textarea", "Commentaire"),
    ),
)

QUOTITES_MISSION = ("temps plein", "4/5")
ETAPES_RECRUTEMENT = ("Proposition acceptée", "Contrat signé", "Prise de poste", "Désistement")
MISSION_LABELS = ("Mission ouverte", "Entretiens de mission", "Candidat·e retenu·e",
                  "Mission pourvue", "Mission à corriger")

MISSIONS = DemarcheSpec(
    key="missions",
    number=104,
    title="EIG — Mission proposée par une administration lauréate",
    description="Une administration lauréate décrit une mission pour un ou deux EIG du vivier.",
    champs=(
        _d(4001, "projet_dossier", "IntegerNumber", "Numéro du dossier du projet lauréat", True),
        _d(4002, "administration", "Text", "Administration d'accueil", True),
        _d(4003, "intitule", "Text", "Intitulé de la mission", True),
        _d(4004, "profils", "MultipleDropDownList", "Profils recherchés (1 ou 2)", True, PROFILS),
        _d(4005, "quotite", "DropDownList", "Quotité", True, QUOTITES_MISSION),
        _d(4006, "debut", "Date", "Date de début souhaitée", True),
        _d(4007, "localisation", "Text", "Lieu de la mission", True),
        _d(4008, "thematique", "DropDownList", "Thématique", options=THEMES),
        _d(4009, "experience_min", "IntegerNumber", "Expérience minimale (années)"),
        _d(4010, "contact_nom", "Text", "Contact dans l'administration (nom)", True),
        _d(4011, "contact_email", "Email", "Courriel du contact", True),
        _d(4012, "description", "Textarea", "Description de la mission"),
    ),
    annotations=(
        _d(4201, "etat_mission", "Text", "État de la mission"),
        _d(4202, "candidats_proposes", "Textarea", "Candidat·es proposé·es"),
        _d(4203, "entretiens", "Textarea", "Entretiens de mission"),
        _d(4204, "personne_retenue", "Text", "Personne retenue"),
        _d(4210, "etape_recrutement", "DropDownList", "Étape du recrutement",
           options=ETAPES_RECRUTEMENT),
        _d(4211, "date_signature", "Date", "Date de signature du contrat"),
        _d(4212, "date_prise_de_poste", "Date", "Date de prise de poste"),
        _d(4213, "dossier_candidat", "IntegerNumber",
           "Dossier de la personne concernée (mission à deux profils)"),
    ),
    labels=MISSION_LABELS,
)

DEMARCHES: tuple[DemarcheSpec, ...] = (PROJETS, CANDIDATS, EVALUATIONS, MISSIONS,
                                       DISPONIBILITES, VIVIER)
