"""Contacts pages: ``/o/<org_slug>/contacts/...``."""

from django.urls import URLPattern, URLResolver, path

from contacts.views import audiences, contacts, imports

app_name = "contacts"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", contacts.ContactListView.as_view(), name="contact_list"),
    path("new/", contacts.ContactFormView.as_view(), name="contact_create"),
    path("<int:contact_id>/", contacts.ContactDetailView.as_view(), name="contact_detail"),
    path("<int:contact_id>/edit/", contacts.ContactFormView.as_view(), name="contact_edit"),
    path("<int:contact_id>/consent/", contacts.ContactConsentView.as_view(), name="contact_consent"),
    path(
        "<int:contact_id>/unsubscribe/", contacts.ContactUnsubscribeView.as_view(), name="contact_unsubscribe"
    ),
    path("<int:contact_id>/lists/", contacts.ContactListsChangeView.as_view(), name="contact_lists_change"),
    path("<int:contact_id>/export.json", contacts.ContactExportView.as_view(), name="contact_export"),
    path("<int:contact_id>/erase/", contacts.ContactEraseView.as_view(), name="contact_erase"),
    path("lists/", audiences.ListIndexView.as_view(), name="list_index"),
    path("lists/new/", audiences.ListFormView.as_view(), name="list_create"),
    path("lists/<int:list_id>/", audiences.ListDetailView.as_view(), name="list_detail"),
    path("lists/<int:list_id>/edit/", audiences.ListFormView.as_view(), name="list_edit"),
    path("lists/<int:list_id>/delete/", audiences.ListDeleteView.as_view(), name="list_delete"),
    path("lists/<int:list_id>/members/", audiences.ListMembersAddView.as_view(), name="list_members_add"),
    path(
        "lists/<int:list_id>/members/<int:contact_id>/remove/",
        audiences.ListMemberRemoveView.as_view(),
        name="list_member_remove",
    ),
    path("segments/", audiences.SegmentIndexView.as_view(), name="segment_index"),
    path("segments/new/", audiences.SegmentFormView.as_view(), name="segment_create"),
    path("segments/preview/", audiences.SegmentPreviewView.as_view(), name="segment_preview"),
    path("segments/<int:segment_id>/", audiences.SegmentFormView.as_view(), name="segment_edit"),
    path("segments/<int:segment_id>/delete/", audiences.SegmentDeleteView.as_view(), name="segment_delete"),
    path("suppressions/", audiences.SuppressionListView.as_view(), name="suppression_list"),
    path("suppressions/add/", audiences.SuppressionAddView.as_view(), name="suppression_add"),
    path(
        "suppressions/<int:suppression_id>/delete/",
        audiences.SuppressionDeleteView.as_view(),
        name="suppression_delete",
    ),
    path("imports/", imports.ImportListView.as_view(), name="import_list"),
    path("imports/new/", imports.ImportUploadView.as_view(), name="import_upload"),
    path("imports/<int:contact_import_id>/", imports.ImportDetailView.as_view(), name="import_detail"),
    path(
        "imports/<int:contact_import_id>/mapping/", imports.ImportMappingView.as_view(), name="import_mapping"
    ),
    path(
        "imports/<int:contact_import_id>/progress/",
        imports.ImportProgressView.as_view(),
        name="import_progress",
    ),
    path("imports/<int:contact_import_id>/start/", imports.ImportStartView.as_view(), name="import_start"),
]
