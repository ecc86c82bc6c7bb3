from django.contrib import admin

from wenming.core.admin import ReadOnlyAdmin, column

from .models import Figure, FigureDelta


@admin.register(Figure)
class FigureAdmin(ReadOnlyAdmin):
    list_display = [column("node", "阵地"), "metric", "period", "value"]
    list_filter = ["metric"]


@admin.register(FigureDelta)
class FigureDeltaAdmin(ReadOnlyAdmin):
    list_display = [column("node", "阵地"), "metric", "period", "value"]
