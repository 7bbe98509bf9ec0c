from django.http import Http404
from django.shortcuts import render

from .selectors import page_content


def page_detail(request, slug: str):
    content = page_content(slug=slug)
    if content is None:
        raise Http404
    return render(request, "pages/page.html", {"page": content})
