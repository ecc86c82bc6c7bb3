"""Photos of a volunteer-service project (活动照片): taken before, during or after the activity,
attached by the staff who run the project, shown on its public page (docs/service.md).

    models.py     ProjectPhoto: one stored image (core.uploads) in one of the project's slots
    services.py   project_photo_add / project_photo_remove (checked, stored, audited)
    selectors.py  the photos of a project someone can see; who may manage them
    api.py        /api/v1/projects/{id}/photos (list, add, image, delete)
    views.py      the image for whoever sees the project; the staff page to add and remove
"""
