import unicodedata

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization


class Category(models.TextChoices):
    API_ACCESS = "api_access", _("Accès par API (FHIR, SMART on FHIR)")
    BULK_EXPORT = "bulk_export", _("Export de masse (FHIR Bulk Data)")
    STANDARDS = "standards", _("Standards et terminologies")
    REPLICATION = "replication", _("Base de réplication")
    ANTI_BLOCKING = "anti_blocking", _("Absence de blocage de l'information")
    DOCUMENTATION = "documentation", _("Documentation")
    ROADMAP = "roadmap", _("Feuille de route et traçabilité")
    NATIONAL_FRAMEWORK = "national_framework", _("Cadre national (CI-SIS, Ségur, INS, PSC, DMP, MSSanté)")
    SECURITY = "security", _("Sécurité")
    PORTABILITY = "portability", _("Réversibilité et portabilité")


class Requirement(models.TextChoices):
    MANDATORY = "mandatory", _("Exigence éliminatoire")
    SCORED = "scored", _("Critère noté")
    INFORMATIVE = "informative", _("Information")


class Destination(models.TextChoices):
    """Which piece of the consultation file a clause's text goes into (API.md, "Tender file")."""

    ANNEX = "annex", _("Annexe technique (CCTP)")
    CCAP = "ccap", _("Clauses administratives (CCAP)")
    RC = "rc", _("Règlement de la consultation (RC)")
    PRICE = "price", _("Bordereau des prix")


class Language(models.TextChoices):
    FR = "fr", _("Français")
    EN = "en", _("Anglais")


class Library(models.Model):
    class Visibility(models.TextChoices):
        PRIVATE = "private", _("Privée")
        SHARED = "shared", _("Partagée")
        PUBLIC = "public", _("Publique")
        MEMBERS = "members", _("Établissements adhérents")  # the owner group's current member hospitals

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="libraries")
    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("langue"), max_length=2, choices=Language.choices, default=Language.FR)
    visibility = models.CharField(
        _("visibilité"), max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    shared_with = models.ManyToManyField(Organization, blank=True, related_name="shared_libraries")
    origin = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="forks")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("bibliothèque")

    def __str__(self):
        return self.name


class Clause(models.Model):
    """A clause's identity in a library; its content lives in immutable versions."""

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="clauses")
    key = models.SlugField(_("clé"), max_length=100)
    current = models.ForeignKey("ClauseVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # A forked clause remembers the upstream clause and the upstream version it was based on.
    origin = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies")
    based_on = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["library_id", "key"]
        constraints = [models.UniqueConstraint(fields=["library", "key"], name="clause_key_unique_in_library")]
        verbose_name = _("clause")

    def __str__(self):
        return self.key


def search_normalize(text):
    """Lower case, accents removed, spaces collapsed: "Réversibilité  des DONNÉES" → "reversibilite des donnees"."""
    decomposed = unicodedata.normalize("NFKD", str(text or "").casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


class ClauseVersion(models.Model):
    """One immutable state of a clause. Tenders point at these, so they never change."""

    clause = models.ForeignKey(Clause, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(_("titre"), max_length=300)
    category = models.CharField(_("catégorie"), max_length=30, choices=Category.choices)
    language = models.CharField(_("langue"), max_length=2, choices=Language.choices, default=Language.FR)
    body = models.TextField(_("texte"))
    parameters = models.JSONField(default=list, blank=True)
    requirement = models.CharField(_("exigence"), max_length=20, choices=Requirement.choices)
    question = models.TextField(_("question au candidat"), blank=True)
    default_weight = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    scale_max = models.PositiveSmallIntegerField(default=5)
    rubric = models.JSONField(default=list, blank=True)
    references = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)
    checks = models.JSONField(default=list, blank=True)
    destination = models.CharField(
        _("destination"), max_length=10, choices=Destination.choices, default=Destination.ANNEX
    )
    # CCAG-TIC 2021 article numbers a `ccap` clause departs from, e.g. ["14.1.1"].
    derogations = models.JSONField(default=list, blank=True)
    # For buyers only (why the clause is lawful, its risk, its source): never printed in a tender piece.
    legal_note = models.TextField(_("note juridique"), blank=True, default="")
    # Scored clauses: `body` states the binding minimum; this, what is appreciated beyond it (printed as
    # non-contractual "éléments d'appréciation" in the RC and the annex).
    appreciation = models.TextField(_("éléments d'appréciation"), blank=True, default="")
    # Scored clauses only: may be delivered after acceptance on a dated roadmap milestone (the only ones
    # for which the answer form offers « Partiel » and a roadmap date).
    deferrable = models.BooleanField(_("livrable en différé"), default=False)
    # [{"code","label","unit","quantity","period"}]: lines the clause adds to the price schedule.
    price_lines = models.JSONField(default=list, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    # Title, text and question without accents, lower case: what the clause search matches against,
    # the same way on SQLite and PostgreSQL ("reversibilite" finds "Réversibilité").
    search_text = models.TextField(blank=True, default="", editable=False)
    # The body as sanitised HTML with the default values, rendered once when the version is written: a
    # version never changes, and a pathological body (thousands of `![`) would otherwise cost its
    # rendering on every list of clauses that shows it, whoever asks.
    preview_html = models.TextField(blank=True, default="", editable=False)

    CONTENT_FIELDS = (
        "title",
        "category",
        "language",
        "body",
        "parameters",
        "requirement",
        "question",
        "default_weight",
        "scale_max",
        "rubric",
        "references",
        "tags",
        "checks",
        "destination",
        "derogations",
        "legal_note",
        "appreciation",
        "deferrable",
        "price_lines",
    )

    class Meta:
        ordering = ["clause_id", "number"]
        constraints = [models.UniqueConstraint(fields=["clause", "number"], name="clause_version_number_unique")]
        verbose_name = _("version de clause")

    def __str__(self):
        return f"{self.clause_id} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A clause version is immutable; create a new version instead.")
        if not self._derived_filled:
            self.fill_derived_fields()
        super().save(*args, **kwargs)

    _derived_filled = False  # set once the derived fields are filled (the service times the preview first)

    def fill_derived_fields(self):
        """Set `search_text` and `preview_html` from the content (save() does it; bulk inserts call it)."""
        self.search_text = search_normalize(" ".join((self.title or "", self.body or "", self.question or "")))
        self.preview_html = self.render_preview()
        self._derived_filled = True
        return self

    def render_preview(self):
        """The body as safe HTML with the parameters' default values (missing ones marked; dates in words)."""
        from .markdown import render_html  # the Markdown parser is only needed when a version is written
        from .parameters import display_values, resolve_values

        values, _errors = resolve_values(self.parameters or [], require=False)
        return render_html(self.body, display_values(self.parameters or [], values, self.language), self.language)

    @property
    def preview(self):
        """The stored preview; rendered on the fly only for a row written before it was stored."""
        return self.preview_html or self.render_preview()

    def content(self):
        """The version's content as plain data (the library file's clause shape, minus key)."""
        data = {field: getattr(self, field) for field in self.CONTENT_FIELDS}
        weight = data["default_weight"]
        data["default_weight"] = None if weight is None else (int(weight) if weight == int(weight) else float(weight))
        return data


class CoverageTopic(models.Model):
    """Something a strong interoperability annex covers (seed §3.3 items, CLAUSES.md topics).

    A clause covers a topic when its current version carries the tag `covers:<key>`.
    """

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="topics")
    key = models.SlugField(max_length=100)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    recommended_clause = models.CharField(max_length=100, blank=True, help_text="key of the clause to add")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["library_id", "position", "key"]
        constraints = [models.UniqueConstraint(fields=["library", "key"], name="topic_key_unique_in_library")]

    def __str__(self):
        return self.title


class ClauseSet(models.Model):
    """A recommended selection of clauses, by kind of software and level, to start a tender from."""

    class Level(models.TextChoices):
        ESSENTIAL = "essential", _("Essentiel")
        RECOMMENDED = "recommended", _("Recommandé")
        ADVANCED = "advanced", _("Avancé")

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="sets")
    key = models.SlugField(max_length=100)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    software = models.CharField(max_length=50)
    level = models.CharField(max_length=20, choices=Level.choices)
    clause_keys = models.JSONField(default=list)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["library_id", "position", "key"]
        constraints = [models.UniqueConstraint(fields=["library", "key"], name="set_key_unique_in_library")]

    def __str__(self):
        return self.title
