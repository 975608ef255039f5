"""Forms of the desk (labels in French). Uploads are bounded in number, size and type."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings

ALLOWED_SUFFIXES = (".csv", ".xlsx", ".yaml", ".yml", ".txt")
IGNORED_SUFFIXES = (".md", ".py", ".pdf", ".html", ".json", ".geojson", ".png")
"""Files a scenario folder holds for humans or scripts: left out of an import (and said)."""


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(ALLOWED_SUFFIXES)}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        files = [f for f in files if f]
        self.ignored = []
        if not files:
            if not self.required:
                return []
            raise forms.ValidationError("Choisissez au moins un fichier.")
        if len(files) > settings.DESK_MAX_FILES:
            raise forms.ValidationError(f"Au plus {settings.DESK_MAX_FILES} fichiers à la fois.")
        errors = []
        self.ignored = [f.name for f in files if Path(f.name).suffix.lower() in IGNORED_SUFFIXES]
        files = [f for f in files if Path(f.name).suffix.lower() not in IGNORED_SUFFIXES]
        if not files:
            raise forms.ValidationError("Aucun tableau ni scenario.yaml parmi les fichiers envoyés.")
        for f in files:
            suffix = Path(f.name).suffix.lower()
            if suffix not in ALLOWED_SUFFIXES:
                errors.append(f"{f.name} : type refusé (accepté : {', '.join(ALLOWED_SUFFIXES)})")
            elif f.size > settings.DESK_MAX_FILE_BYTES:
                errors.append(f"{f.name} : trop gros ({f.size // 1_000_000} Mo ; au plus "
                              f"{settings.DESK_MAX_FILE_BYTES // 1_000_000} Mo)")
            elif suffix == ".xlsx" and f.read(4) != b"PK\x03\x04":
                errors.append(f"{f.name} : ce n'est pas un classeur Excel (.xlsx)")
            f.seek(0)
        if errors:
            raise forms.ValidationError(errors)
        return files


class ImportForm(forms.Form):
    """The tables (``files``) or a whole folder (``folder``); at least one of them."""

    def clean(self):
        data = super().clean()
        if not data.get("files") and not data.get("folder") and not self.errors:
            raise forms.ValidationError("Choisissez des fichiers ou un dossier.")
        return data

    def ignored(self) -> list[str]:
        return self.fields["files"].ignored + self.fields["folder"].ignored

    folder = MultipleFileField(
        label="…ou un dossier de scénario entier", required=False,
        widget=MultipleFileInput(attrs={"webkitdirectory": True, "directory": True}))
    files = MultipleFileField(
        label="Fichiers du scénario", required=False,
        help_text="scenario.yaml et les tableaux (CSV ou Excel .xlsx) : communes, lieux, conseillers, "
                  "visites, habitants… Un tableau envoyé seul remplace celui du même nom ; "
                  "les autres restent.")


class MoveForm(forms.Form):
    vehicle = forms.ChoiceField(label="Nouveau conseiller et jour")

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vehicle"].choices = list(choices)


class UrgentForm(forms.Form):
    nom = forms.CharField(label="Nom de la personne", max_length=120)
    commune = forms.ChoiceField(label="Commune")
    adresse = forms.CharField(label="Adresse", max_length=200, required=False)
    telephone = forms.CharField(label="Téléphone", max_length=40, required=False)
    duree = forms.IntegerField(label="Durée (minutes)", min_value=5, max_value=480, initial=45)
    jours = forms.CharField(label="Jours possibles (ex. mar|jeu ; vide = tous)", max_length=60,
                            required=False)
    fenetres = forms.CharField(label="Heures possibles (ex. 09:00-12:00 ; vide = toute la journée)",
                               max_length=80, required=False)
    competence = forms.ChoiceField(label="Compétence", required=False)
    priorite = forms.ChoiceField(label="Priorité", choices=[
        ("must", "obligatoire"), ("should", "souhaitable"), ("could", "facultative")])
    motif = forms.CharField(label="Motif", max_length=200, required=False)

    def __init__(self, *args, communes=(), skills=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = list(communes)
        self.fields["competence"].choices = [("", "aucune")] + [(s, s) for s in skills]
