from django.contrib import admin

from amtsweg.accounts.models import Invitation, Membership, Organisation, Profile


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "register_number", "vat_id", "created_at")
    search_fields = ("name", "register_number", "vat_id")
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("organisation", "role", "created_at", "expires_at", "accepted_at")
    readonly_fields = ("token_hash", "accepted_at", "accepted_by", "invited_by")
    exclude = ("email",)  # no addresses in lists beyond need


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "updated_at")
    raw_id_fields = ("user",)
