"""Themes: which CQC key questions and topics a sentence speaks to.

Two sources, joined: trained classifiers for the themes the labelled feedback covers, and a
transparent keyword lexicon for words the feedback lacks (care homes: "carers",
"residents", "call bell"; GP practices: "receptionist", "prescription"). Labels come from
the labelling frameworks of the shared data, mapped onto Carelens theme names here, in one
readable place.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sources.contract import KEY_QUESTIONS
from sources.text.keywords import Batch, KeywordPattern

TOPICS = (
    "staffing",
    "medicines",
    "dignity_respect",
    "environment_cleanliness",
    "food_drink",
    "communication",
    "leadership",
    "abuse_neglect",
    "access_waiting",
)
THEMES = KEY_QUESTIONS + TOPICS
# How a theme reads on screen and in the brief (the codes stay in files and exports).
THEME_LABELS = {
    "well_led": "well-led",
    "dignity_respect": "dignity and respect",
    "environment_cleanliness": "environment and cleanliness",
    "food_drink": "food and drink",
    "abuse_neglect": "abuse and neglect",
    "access_waiting": "access and waiting",
}


def theme_label(theme: str) -> str:
    """Returns the words a person reads for a theme code ("abuse_neglect" -> "abuse and
    neglect"); an unknown code is shown with spaces for underscores."""
    return THEME_LABELS.get(theme, theme.replace("_", " "))


# fft_themes_sentiment.csv columns (framework v6) -> Carelens themes. Following the CQC
# framework: staffing, medicines, infection control and feeling safe sit under Safe; food
# and coordinated care under Effective; kindness and involvement under Caring; timeliness,
# access and equality under Responsive; organisation and records under Well-led.
FFT_THEME_MAP: dict[str, tuple[str, ...]] = {
    "safe": (
        "feeling_safe",
        "safeguarding_concerns",
        "supplying_understanding_medication",
        "cleanliness_tidiness_infection_control",
        "number_deployment_of_staff",
    ),
    "effective": (
        "competence_training",
        "impact_of_treatment_care",
        "diagnosis_triage",
        "care_plans",
        "pain_management",
        "referals_continuity_of_care",
        "discharge",
        "food_drink_provision_facilities",
    ),
    "caring": (
        "staff_manner_personal_attributes",
        "staff_listening_understanding_involving_patients",
        "interaction_with_family_carers",
        "patient_appearance_grooming",
    ),
    "responsive": (
        "timeliness_of_care",
        "contacting_services",
        "appointment_arrangements",
        "appointment_method",
        "staff_responsiveness",
        "activities_access_to_fresh_air",
        "equality_diversity_inclusion",
        "service_location",
        "transport_to_from_services",
    ),
    "well_led": (
        "organisation_efficiency",
        "learning_organisation",
        "funding_use_of_financial_resources",
        "patient_records",
    ),
    "staffing": ("number_deployment_of_staff", "staff_continuity"),
    "medicines": ("supplying_understanding_medication",),
    "dignity_respect": ("equality_diversity_inclusion", "patient_appearance_grooming"),
    "environment_cleanliness": (
        "cleanliness_tidiness_infection_control",
        "environment_facilities",
        "provision_of_medical_equipment",
        "sensory_experience",
    ),
    "food_drink": ("food_drink_provision_facilities",),
    "communication": (
        "unspecified_communication",
        "information_directly_from_staff_during_care",
        "information_provision_guidance",
        "being_kept_informed_clarity_consistency_of_information",
    ),
    "leadership": ("organisation_efficiency", "learning_organisation"),
    "abuse_neglect": ("safeguarding_concerns",),
    "access_waiting": (
        "timeliness_of_care",
        "contacting_services",
        "appointment_arrangements",
        "appointment_method",
    ),
}

# fft_categories_criticality.csv subcategories -> themes. That file gives one code per
# comment, so a code only adds positive examples, never a "does not speak to" label.
SUBCATEGORY_MAP: dict[str, tuple[str, ...]] = {
    "Staffing levels": ("staffing", "safe"),
    "Medication": ("medicines", "safe"),
    "Cleanliness": ("environment_cleanliness", "safe"),
    "Environment/ facilities": ("environment_cleanliness",),
    "Facilities/equipment": ("environment_cleanliness",),
    "Food": ("food_drink", "effective"),
    "Communication": ("communication",),
    "Amount/clarity of information": ("communication",),
    "Listening": ("communication", "caring"),
    "Time spent waiting for first appt/referral/service": ("access_waiting", "responsive"),
    "Time spent waiting between appointments": ("access_waiting", "responsive"),
    "Dignity: General": ("dignity_respect", "caring"),
    "Respect For Diversity/ Person-Centeredness": ("dignity_respect", "caring"),
    "Feeling safe including bullying": ("safe",),
    "Attitude Of Staff": ("caring",),
    "Emotional care": ("caring",),
    "Professionalism/Competence Of Staff": ("effective",),
    "Consistency/Continuity of care": ("effective",),
    "Coordination/Integration Of Care": ("effective",),
    "Transition And Discharge": ("effective",),
}

# A topic implies its key question (CQC places it there), so a comment about medicines
# also counts under Safe even when the key-question classifier is unsure.
TOPIC_KEY_QUESTION: dict[str, str] = {
    "staffing": "safe",
    "medicines": "safe",
    "abuse_neglect": "safe",
    "food_drink": "effective",
    "dignity_respect": "caring",
    "access_waiting": "responsive",
    "leadership": "well_led",
}

# Keyword lexicon, sentence level. Words, not a model: covers care-home and GP vocabulary
# the labelled feedback never uses, and reads plainly on the Method page.
LEXICON: dict[str, str] = {
    "staffing": r"short[\s-]?staffed|understaffed|under[\s-]staffed|not\s+enough\s+(?:staff|"
    r"carers|nurses)|agency\s+(?:staff|carers|nurses)|staff(?:ing)?\s+(?:levels?|shortages?)"
    r"|(?:new|different)\s+carers?\s+every|rushed\s+off\s+their\s+feet|too\s+few\s+staff"
    r"|staff\s+turnover|one\s+carer\s+for",
    "medicines": r"medication|medicines?|meds\b|tablets?|prescri\w+|insulin|dose[sd]?\b|"
    r"pharmac\w+|painkillers?|morphine|inhaler|antibiotics?|MAR\s+charts?",
    "dignity_respect": r"dignity|respect\w*|privacy|undignified|humiliat\w*|treated\s+like\s+"
    r"(?:a\s+child|an?\s+object|cattle|a\s+number)|talked\s+down|patroni[sz]\w*|"
    r"dressed\s+in\s+(?:someone|other)|curtains?\s+open|door\s+open",
    "environment_cleanliness": r"clean\w*|dirty|filth\w*|smell\w*|stink\w*|odou?r|dust\w*|"
    r"spotless|immaculate|hygien\w*|infection|mould|damp|décor|decor|furniture|building|garden|lounge|"
    r"bedroom|bathroom|toilets?|facilities|equipment|hoist|heating|too\s+(?:hot|cold)|"
    r"untidy|tidy|stains?|soiled\s+(?:sheets|bedding)|waiting\s+room",
    "food_drink": r"\bfood|meals?|menu|dinner|lunch|breakfast|supper|snacks?|drinks?\b|"
    r"fluids?|hungry|thirsty|tea\b|coffee|nutrition|diet\w*|cook\w*|eat(?:ing|s)?\b|fed\b",
    "communication": r"communicat\w*|informed|inform\w*|explain\w*|told\s+(?:us|me)|"
    r"(?:phon(?:e|ed|es|ing)|call(?:ed|s|ing)?|rang|rung|ring)\s+(?:us|me|back|them|the\s+family)|kept\s+(?:us\s+|me\s+)?(?:up\s+to\s+date|in\s+"
    r"the\s+(?:loop|dark))|listen\w*|letter|email|update[sd]?|language|interpreter",
    "leadership": r"manag(?:er|ers|ement)|leader\w*|owners?\b|registered\s+manager|"
    r"run\s+(?:well|badly)|well[\s-]run|badly[\s-]run|organi[sz]ation|head\s+office|"
    r"complaints?\s+(?:procedure|process)|director|matron",
    # Abuse words go through the concern rules, which know "no concerns about abuse".
    "abuse_neglect": r"safeguarding",
    "access_waiting": r"wait\w*|queue\w*|appointments?|on\s+hold|get\s+through|"
    r"(?:hours?|days|weeks|months)\s+(?:late|delay)|delay\w*|late\b|on\s+time|"
    r"receptionists?|booking|book\s+an?|referr\w*|prompt\w*|quick\w*|slow\w*|took\s+ages",
    "safe": r"\bsafe\w*|unsafe|danger\w*|risk\w*|falls?\b|injur\w*|harm\w*|"
    r"restrain\w*|call\s+bells?|locked|wander\w*",
    "effective": r"treatment|diagnos\w*|care\s+plans?|assessment|physio\w*|therap\w*|"
    r"recovery|improv(?:ed|ing)\s+(?:my|his|her)|skilled|competen\w*|trained|training|"
    r"knowledgeable|expertise|outcome",
    "caring": r"\bkind\w*|caring|compassion\w*|gentle|patient\s+with|friendly|rude|"
    r"uncaring|cold\s+and|warm\w*|lovely\s+(?:staff|carers|nurses|people)|"
    r"(?:staff|carers|nurses|doctors?|crew)\s+(?:were|are)\s+(?:lovely|wonderful|great|"
    r"amazing|brilliant|fantastic|excellent|kind|rude|horrible|nasty)|listened|"
    r"treated\s+(?:me|him|her|us)\s+(?:with|like)|attitude|empath\w*",
    "responsive": r"activit\w*|choice|person[\s-]centred|responded|respond\w*|"
    r"complain\w*|outings?|hobbies|individual\s+needs|adapt\w*|access\w*|"
    r"appointments?|wait\w*|delay\w*|call\s+bells?",
    "well_led": r"manag(?:er|ers|ement)|leader\w*|well[\s-]run|badly[\s-]run|owners?\b|"
    r"organi[sz]\w*|records?|paperwork|audit\w*|complaints?\s+(?:procedure|process)",
}
# Keywords start at a word start. Compiled without IGNORECASE for lower-cased text, with the
# word-start test hoisted before the alternation: ten times faster in `re`.
_LEXICON = {
    theme: KeywordPattern(rf"\b(?:{pattern.lower()})") for theme, pattern in LEXICON.items()
}


def lexicon_themes(sentence: str) -> list[str]:
    """Returns the themes whose keywords occur in the sentence."""
    lowered = sentence.lower()
    return [theme for theme, rule in _LEXICON.items() if rule.search(lowered)]


def lexicon_hits(batch: Batch) -> dict[str, np.ndarray]:
    """Returns, per theme, the indexes of the batch's sentences whose keywords carry it.

    Same answer as lexicon_themes on each sentence, but one scan per theme over the whole
    batch (sources.text.keywords), not one per sentence.
    """
    return {theme: rule.sentences(batch) for theme, rule in _LEXICON.items()}


def fft_theme_labels(frame: pd.DataFrame) -> np.ndarray:
    """Returns a 0/1 matrix (rows of `frame` x THEMES) from the fft theme_* columns."""
    out = np.zeros((len(frame), len(THEMES)), dtype=np.int8)
    for j, theme in enumerate(THEMES):
        cols = [f"theme_{c}" for c in FFT_THEME_MAP.get(theme, ()) if f"theme_{c}" in frame]
        if cols:
            out[:, j] = (frame[cols].fillna(0).to_numpy().sum(axis=1) > 0).astype(np.int8)
    return out


def subcategory_labels(subcategories: pd.Series) -> np.ndarray:
    """Returns a 0/1 matrix (rows x THEMES): the themes each subcategory code implies."""
    out = np.zeros((len(subcategories), len(THEMES)), dtype=np.int8)
    index = {t: j for j, t in enumerate(THEMES)}
    for i, code in enumerate(subcategories.fillna("").astype(str).str.strip()):
        for theme in SUBCATEGORY_MAP.get(code, ()):
            out[i, index[theme]] = 1
    return out


def labelled_themes() -> tuple[str, ...]:
    """Returns the themes the fft labels cover (the others rest on the lexicon alone)."""
    return tuple(t for t in THEMES if FFT_THEME_MAP.get(t))
