"""Admin scoping by authority: staff see and touch only rows of the authorities they work for.

Without this any staff user with a view permission would list every Kommune's applications (with
IBANs). A ModelAdmin names the path from its model to ``directory.Authority`` in ``authority_field``
(e.g. ``"vorgang__authority"``); the queryset is filtered by the user's memberships, so list, change
view, history, delete and actions (which all start from ``get_queryset``) answer 404 for other rows.
Koordination (superuser or the group, ``directory.permissions``) sees everything.

Configuration of an authority (its assistants, overlays, API clients, targets and routes) sets
``authority_write_role = "kommunal_admin"``: every member may view it, only a Kommunal-Admin of that
authority adds, changes or deletes it, and picks among the authorities they administer.
"""

from __future__ import annotations

from amtsweg.directory.models import Authority
from amtsweg.directory.permissions import authorities_administered, is_any_kommunal_admin, is_kommunal_admin
from amtsweg.directory.selectors import authorities_of, authority_ids_of, user_may_work_for


class AuthorityScopedAdminMixin:
    #: Lookup path from the model to its authority (a ForeignKey to directory.Authority).
    authority_field: str = "authority"
    #: None: any member of the authority may write (with the model permissions); "kommunal_admin": only
    #: a Kommunal-Admin of the object's authority.
    authority_write_role: str | None = None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        ids = authority_ids_of(request.user)
        if ids is None:
            return queryset
        return queryset.filter(**{f"{self.authority_field}__in": ids})

    def _object_authority_id(self, obj) -> int | None:
        value = obj
        for part in self.authority_field.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value.pk

    def _object_in_scope(self, request, obj) -> bool:
        return obj is None or user_may_work_for(request.user, self._object_authority_id(obj))

    def has_view_permission(self, request, obj=None):
        return self._object_in_scope(request, obj) and super().has_view_permission(request, obj)

    def _may_write(self, request, obj) -> bool:
        if not self._object_in_scope(request, obj):
            return False
        if self.authority_write_role is None:
            return True
        if obj is None:
            return is_any_kommunal_admin(request.user)
        return is_kommunal_admin(request.user, self._object_authority_id(obj))

    def has_add_permission(self, request, *args):
        return self._may_write(request, None) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._may_write(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_write(request, obj) and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A Kommune's staff can only pick their own authorities (e.g. for a routing or a target).
        if db_field.related_model is Authority:
            if self.authority_write_role is not None:
                kwargs["queryset"] = authorities_administered(request.user)
            else:
                kwargs["queryset"] = authorities_of(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
