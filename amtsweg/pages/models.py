"""Operator-editable legal pages (Impressum, Datenschutz, Barrierefreiheit)."""

from django.db import models


class Page(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    title = models.CharField("Titel", max_length=200)
    # Plain text with blank-line paragraphs; rendered escaped, so operators cannot inject markup.
    body = models.TextField("Inhalt")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Seite"
        verbose_name_plural = "Seiten"

    def __str__(self) -> str:
        return self.title
