"""Web upload of a node tree from Excel (the same import as `wenming import nodes`)."""

from django import forms
from django.conf import settings
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.views.decorators.cache import never_cache

from wenming.accounts.roles import Perm
from wenming.core.decorators import staff_required
from wenming.core.errors import CoreError, DomainError

from .importing import COLUMNS, REQUIRED, import_nodes


class NodeUploadForm(forms.Form):
    file = forms.FileField(label="阵地表（.xlsx）")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.ROSTER_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(CoreError.FILE_TOO_LARGE.error(
                limit=filesizeformat(settings.ROSTER_UPLOAD_MAX_BYTES)).message)
        return upload


@never_cache
@staff_required(Perm.NODE_EDIT)
def node_import(request):
    context = {"columns": list(COLUMNS), "required": REQUIRED}
    form = NodeUploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST":
        return render(request, "orgs/node_import.html", {**context, "form": form})
    if not form.is_valid():
        return render(request, "orgs/node_import.html", {**context, "form": form}, status=400)
    try:
        result = import_nodes(actor=request.user, path=form.cleaned_data["file"])
    except DomainError as err:
        return render(request, "orgs/node_import.html", {**context, "form": form, "file_error": err},
                      status=err.status)
    return render(request, "orgs/node_import.html", {**context, "form": NodeUploadForm(), "result": result})
