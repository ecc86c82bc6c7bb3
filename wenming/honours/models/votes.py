"""The public vote: phones proven by a text code (core.phone_codes), a voter pass for the session, one row per
vote with the signals fraud checks read, and per-day counters the limits are enforced on.

Nothing here names a person: a phone is a keyed hash whose purpose names the campaign (the
same phone in two campaigns gives unrelated hashes) plus its last four digits (for staff
reviewing a suspicious cluster); a client address and a device are keyed hashes too."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .campaigns import HonourCampaign
from .nominations import Nomination


class VoterPass(models.Model):
    """A verified phone's pass for the vote (a random token, stored hashed), valid for hours."""

    campaign = models.ForeignKey(HonourCampaign, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    phone_hash = models.CharField(max_length=64)
    phone_tail = models.CharField(max_length=4)
    virtual_segment = models.BooleanField(default=False)  # 170/171/162/165/167: virtual operators
    first_seen = models.BooleanField(default=False)  # this phone's first pass in the campaign
    address_hash = models.CharField(max_length=64, blank=True)
    device_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = "投票凭证"
        verbose_name_plural = "投票凭证"
        indexes = [models.Index(fields=["campaign", "phone_hash"], name="honour_pass_phone_idx")]

    def __str__(self):
        return f"{self.campaign_id} #{self.pk}"


class VoterDay(models.Model):
    """How many votes a phone has cast in a campaign on a day: the daily limit is a
    conditional UPDATE on this row (`used < limit`), as sign-up capacity is."""

    campaign = models.ForeignKey(HonourCampaign, on_delete=models.CASCADE, related_name="+")
    phone_hash = models.CharField(max_length=64)
    day = models.DateField()
    used = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "phone_hash", "day"], name="honour_voterday_once")]

    def __str__(self):
        return f"{self.campaign_id} {self.day} {self.used}"


class Vote(models.Model):
    campaign = models.ForeignKey(HonourCampaign, on_delete=models.CASCADE, related_name="votes")
    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="vote_rows")
    voter_pass = models.ForeignKey(VoterPass, on_delete=models.PROTECT, related_name="votes")
    phone_hash = models.CharField(max_length=64)
    day = models.DateField()
    slot = models.PositiveSmallIntegerField()  # 0 … votes_per_nominee_per_day − 1
    submission = models.UUIDField(null=True, blank=True)  # a double tap sends the same one
    address_hash = models.CharField(max_length=64, blank=True)
    device_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    undone_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    void_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "投票"
        verbose_name_plural = "投票"
        constraints = [
            # the per-nominee daily limit, enforced by the database: a live vote holds a slot
            models.UniqueConstraint(fields=["nomination", "phone_hash", "day", "slot"],
                                    condition=Q(undone_at__isnull=True), name="honour_vote_slot"),
            models.UniqueConstraint(fields=["campaign", "phone_hash", "submission"], name="honour_vote_submission"),
            models.CheckConstraint(condition=Q(voided_at__isnull=True) | Q(undone_at__isnull=True),
                                   name="honour_vote_undone_or_voided"),
        ]
        indexes = [
            models.Index(fields=["campaign", "created_at"], name="honour_vote_time_idx"),
            models.Index(fields=["nomination", "created_at"], name="honour_vote_nom_idx"),
        ]

    def __str__(self):
        return f"{self.nomination_id} {self.day} #{self.pk}"

    @property
    def live(self) -> bool:
        return self.undone_at is None and self.voided_at is None


LIVE_VOTE = Q(undone_at__isnull=True, voided_at__isnull=True)
