from django.contrib import admin

from wenming.core.admin import ReadOnlyAdmin

from .models import Figure, FigureDelta


@admin.register(Figure)
class FigureAdmin(ReadOnlyAdmin):
    list_display = ["node", "metric", "period", "value"]
    list_filter = ["metric"]


@admin.register(FigureDelta)
class FigureDeltaAdmin(ReadOnlyAdmin):
    list_display = ["node", "metric", "period", "value"]
