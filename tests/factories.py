import io
from datetime import date, timedelta
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.models import ResetCode, User
from civiccases.password_reset import code_hash
from core import cache as site_cache
from core.models import SiteProfile
from judging.models import (
    Assignment,
    Award,
    AwardChange,
    Conflict,
    Criterion,
    Discussion,
    DiscussionComment,
    DrawingRecord,
    ExpertRating,
    Invitation,
    Judge,
    Notice,
    Objection,
    PledgeSignature,
    Result,
    ResultSignature,
    Round,
    RoundCase,
    RoundSigning,
    Score,
    ScoreAudit,
    TieDecision,
    WorkCalendarDay,
)
from messaging.models import Message, MessageTemplate
from publishing.models import (
    Feature,
    FeaturePhoto,
    Installment,
    InstallmentVersion,
    PublishedPhoto,
    Series,
)
from submissions.models import (
    Attachment,
    Call,
    CallDocument,
    CallField,
    Case,
    CaseEvent,
    CaseSnapshot,
    Category,
    ChunkedUpload,
    DeadlineExtension,
    DeadlineReminder,
    ImportJob,
    Membership,
    Photo,
    Receipt,
    Unit,
)

PASSWORD = "pass-Word-123"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @factory.post_generation
    def is_judge(obj, create, extracted, **kwargs):
        """UserFactory(is_judge=True): a judge, that is a user with a profile in the pool."""
        if create and extracted:
            from judging.models import Judge

            Judge.objects.create(user=obj, name=obj.full_name or obj.username)


class UnitFactory(factory.django.DjangoModelFactory[Unit]):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"某某街道{n}")


def unit_user(unit=None, **kwargs) -> User:
    unit = unit or UnitFactory()
    user = UserFactory.create(**kwargs)
    Membership.objects.create(unit=unit, user=user)
    return user


class CallFactory(factory.django.DjangoModelFactory[Call]):
    class Meta:
        model = Call

    slug = factory.Sequence(lambda n: f"call-{n}")
    title = factory.Sequence(lambda n: f"2026年度文明城市创建优秀案例征集{n}")
    host_line = "某区委宣传部 某区文明办"
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    status = Call.Status.OPEN
    min_photos = 1
    max_photos = 5


class CaseFactory(factory.django.DjangoModelFactory[Case]):
    class Meta:
        model = Case

    call = factory.SubFactory(CallFactory)
    unit = factory.SubFactory(UnitFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"“口袋公园”点亮老城区{n}")
    contact_name = "张某某"
    contact_phone = "13812345678"
    summary = "摘要"
    body = "正文第一段。\n正文第二段。"


def jpeg_bytes(size=(640, 480), color=(200, 30, 30), exif=None) -> bytes:
    buf = io.BytesIO()
    img = Image.new("RGB", size, color)
    kwargs = {"exif": exif} if exif is not None else {}
    img.save(buf, "JPEG", quality=85, **kwargs)
    return buf.getvalue()


def jpeg_upload(name="photo.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")


# ---------------------------------------------------------------- one factory per model
# tests/test_factories.py checks that every model of the project's apps has one here and that
# it builds a valid, saved instance. Related objects are made consistent (an assignment's case
# is of its round's call, a score's criterion of its assignment's round …).


def _small_jpeg() -> ContentFile:
    return ContentFile(jpeg_bytes(size=(16, 12)), name="photo.jpg")


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    unit = factory.SubFactory(UnitFactory)
    user = factory.SubFactory(UserFactory)


class CategoryFactory(factory.django.DjangoModelFactory[Category]):
    class Meta:
        model = Category

    call = factory.SubFactory(CallFactory)
    name = factory.Sequence(lambda n: f"组别{n}")


class CallFieldFactory(factory.django.DjangoModelFactory[CallField]):
    class Meta:
        model = CallField

    call = factory.SubFactory(CallFactory)
    kind = CallField.Kind.TEXT
    label = factory.Sequence(lambda n: f"字段{n}")
    position = factory.Sequence(lambda n: n)


class DeadlineExtensionFactory(factory.django.DjangoModelFactory[DeadlineExtension]):
    class Meta:
        model = DeadlineExtension

    call = factory.SubFactory(CallFactory)
    unit = factory.SubFactory(UnitFactory)
    until = factory.LazyAttribute(lambda o: o.call.closes_at + timedelta(days=3))
    reason = "材料补充"
    granted_by = factory.SubFactory(UserFactory, is_organizer=True)


class CaseEventFactory(factory.django.DjangoModelFactory[CaseEvent]):
    class Meta:
        model = CaseEvent

    case = factory.SubFactory(CaseFactory)
    actor = factory.SubFactory(UserFactory)
    from_status = Case.Status.DRAFT
    to_status = Case.Status.SUBMITTED


class CaseSnapshotFactory(factory.django.DjangoModelFactory[CaseSnapshot]):
    class Meta:
        model = CaseSnapshot

    case = factory.SubFactory(CaseFactory)
    version = factory.Sequence(lambda n: n + 1)
    data = factory.LazyAttribute(
        lambda o: {
            "fields": [{"key": "title", "label": "", "value": o.case.title, "long": False}],
            "photos": [],
            "attachments": [],
        }
    )


class PhotoFactory(factory.django.DjangoModelFactory[Photo]):
    """A processed-looking photo of a case: a small JPEG original (no renditions)."""

    class Meta:
        model = Photo

    case = factory.SubFactory(CaseFactory, created_by=factory.SubFactory(UserFactory))
    uploaded_by = factory.LazyAttribute(lambda o: o.case.created_by if o.case else None)
    extension = ".jpg"
    image = factory.LazyFunction(_small_jpeg)
    original_name = "photo.jpg"
    caption = factory.Sequence(lambda n: f"图片说明{n}")
    position = factory.Sequence(lambda n: n + 1)
    width = 16
    height = 12
    size = factory.LazyAttribute(lambda o: o.image.size)


class AttachmentFactory(factory.django.DjangoModelFactory[Attachment]):
    class Meta:
        model = Attachment

    case = factory.SubFactory(CaseFactory, created_by=factory.SubFactory(UserFactory))
    uploaded_by = factory.LazyAttribute(lambda o: o.case.created_by if o.case else None)
    extension = ".pdf"
    file = factory.LazyFunction(lambda: ContentFile(b"%PDF-1.4\n%%EOF\n", name="说明.pdf"))
    original_name = "说明.pdf"
    size = factory.LazyAttribute(lambda o: o.file.size)


class ImportJobFactory(factory.django.DjangoModelFactory[ImportJob]):
    class Meta:
        model = ImportJob

    call = factory.SubFactory(CallFactory)
    file = "imports/cases.xlsx"
    original_name = "cases.xlsx"
    created_by = factory.SubFactory(UserFactory, is_organizer=True)


class JudgeFactory(factory.django.DjangoModelFactory[Judge]):
    """An expert of the pool with a judge account."""

    class Meta:
        model = Judge

    user = factory.SubFactory(UserFactory)  # this profile is what makes the user a judge
    name = factory.Sequence(lambda n: f"专家{n}")
    affiliation = "某大学"


class InvitationFactory(factory.django.DjangoModelFactory[Invitation]):
    class Meta:
        model = Invitation

    round = factory.SubFactory("tests.factories.RoundFactory")
    judge = factory.SubFactory(JudgeFactory)
    role = Invitation.Role.DRAWN
    token = factory.Sequence(lambda n: f"invitation-token-{n:08d}")


class PledgeSignatureFactory(factory.django.DjangoModelFactory[PledgeSignature]):
    class Meta:
        model = PledgeSignature

    round = factory.SubFactory("tests.factories.RoundFactory")
    judge = factory.SubFactory(JudgeFactory)
    text = "本人承诺公正评审、严格保密、主动回避。"
    typed_name = factory.SelfAttribute("judge.name")
    signed_at = factory.LazyFunction(timezone.now)
    ip_address = "127.0.0.1"


class DrawingRecordFactory(factory.django.DjangoModelFactory[DrawingRecord]):
    """A committed drawing record as stored (tests/judging/test_drawing.py draws through the
    services)."""

    class Meta:
        model = DrawingRecord

    round = factory.SubFactory("tests.factories.RoundFactory")
    operator = factory.SubFactory(UserFactory, is_organizer=True)
    witness = "监督员"
    algorithm = "civiccases-draw-1"
    payload = factory.LazyFunction(
        lambda: {"facts": {}, "snapshot": {"eligible": [], "excluded": []}, "rules": {}}
    )
    seed = "00" * 32
    commitment = factory.Sequence(lambda n: f"{n:064x}")
    committed_at = factory.LazyFunction(timezone.now)


class ExpertRatingFactory(factory.django.DjangoModelFactory[ExpertRating]):
    class Meta:
        model = ExpertRating

    judge = factory.SubFactory(JudgeFactory)
    round = factory.SubFactory("tests.factories.RoundFactory")
    rating = ExpertRating.Rating.COMPETENT
    by = factory.SubFactory(UserFactory, is_organizer=True)


class DiscussionFactory(factory.django.DjangoModelFactory[Discussion]):
    class Meta:
        model = Discussion

    round = factory.SubFactory("tests.factories.RoundFactory")
    case = factory.SubFactory(CaseFactory, call=factory.SelfAttribute("..round.call"))
    opened_by = factory.SubFactory(UserFactory, is_organizer=True)
    reason = "评分差异较大"


class DiscussionCommentFactory(factory.django.DjangoModelFactory[DiscussionComment]):
    class Meta:
        model = DiscussionComment

    discussion = factory.SubFactory(DiscussionFactory)
    judge = factory.SubFactory(JudgeFactory)
    text = "我认为该案例的实效性突出。"


class TieDecisionFactory(factory.django.DjangoModelFactory[TieDecision]):
    class Meta:
        model = TieDecision

    round = factory.SubFactory("tests.factories.RoundFactory")
    line = TieDecision.Line.TOP
    cases = factory.LazyFunction(lambda: [1, 2])
    order = factory.LazyFunction(lambda: [2, 1])
    method = TieDecision.Method.REASON
    reason = "经评审组讨论，实效性更突出者列前。"
    by = factory.SubFactory(UserFactory, is_organizer=True)


class RoundFactory(factory.django.DjangoModelFactory[Round]):
    """A round as stored (no criteria, panel or entries: see tests/judging/setupkit.make_round
    for a round set up through the services)."""

    class Meta:
        model = Round

    call = factory.SubFactory(CallFactory, status=Call.Status.JUDGING)
    number = factory.Sequence(lambda n: n + 1)
    name = "初评"
    pledge_required = False  # tests of the pledge set it


class CriterionFactory(factory.django.DjangoModelFactory[Criterion]):
    class Meta:
        model = Criterion

    round = factory.SubFactory(RoundFactory)
    name = factory.Sequence(lambda n: f"评分项{n}")
    max_points = Decimal("50")
    position = factory.Sequence(lambda n: n + 1)


class RoundCaseFactory(factory.django.DjangoModelFactory[RoundCase]):
    class Meta:
        model = RoundCase

    round = factory.SubFactory(RoundFactory)
    case = factory.SubFactory(
        CaseFactory, call=factory.SelfAttribute("..round.call"), status=Case.Status.ACCEPTED
    )


class ConflictFactory(factory.django.DjangoModelFactory[Conflict]):
    class Meta:
        model = Conflict

    judge = factory.SubFactory(JudgeFactory)
    case = factory.SubFactory(CaseFactory, status=Case.Status.ACCEPTED)
    reason = "回避"


class AssignmentFactory(factory.django.DjangoModelFactory[Assignment]):
    class Meta:
        model = Assignment

    round = factory.SubFactory(RoundFactory)
    judge = factory.SubFactory(JudgeFactory)
    case = factory.SubFactory(
        CaseFactory, call=factory.SelfAttribute("..round.call"), status=Case.Status.ACCEPTED
    )


class ScoreFactory(factory.django.DjangoModelFactory[Score]):
    class Meta:
        model = Score

    assignment = factory.SubFactory(AssignmentFactory)
    criterion = factory.SubFactory(
        CriterionFactory, round=factory.SelfAttribute("..assignment.round")
    )
    points = Decimal("30")


class ScoreAuditFactory(factory.django.DjangoModelFactory[ScoreAudit]):
    class Meta:
        model = ScoreAudit

    assignment = factory.SubFactory(AssignmentFactory)
    actor = factory.LazyAttribute(lambda o: o.assignment.judge.user)
    action = ScoreAudit.Action.DRAFT
    before = factory.LazyFunction(lambda: {"status": "pending"})
    after = factory.LazyFunction(lambda: {"status": "draft"})


class ResultFactory(factory.django.DjangoModelFactory[Result]):
    class Meta:
        model = Result

    round = factory.SubFactory(RoundFactory)
    case = factory.SubFactory(
        CaseFactory, call=factory.SelfAttribute("..round.call"), status=Case.Status.ACCEPTED
    )
    n_judges = 3
    mean = 80.0
    trimmed_mean = 80.0
    median = 80.0
    zscore = 0.0
    rank_mean = 1
    rank_trimmed = 1
    rank_zscore = 1
    rank = 1
    top_probability = 1.0


class AwardFactory(factory.django.DjangoModelFactory[Award]):
    class Meta:
        model = Award

    call = factory.SubFactory(CallFactory, status=Call.Status.JUDGING)
    case = factory.SubFactory(
        CaseFactory, call=factory.SelfAttribute("..call"), status=Case.Status.ACCEPTED
    )
    level = Award.Level.TOP
    rank = factory.Sequence(lambda n: n + 1)


class AwardChangeFactory(factory.django.DjangoModelFactory[AwardChange]):
    class Meta:
        model = AwardChange

    call = factory.SubFactory(CallFactory, status=Call.Status.JUDGING)
    case = factory.SubFactory(
        CaseFactory, call=factory.SelfAttribute("..call"), status=Case.Status.ACCEPTED
    )
    actor = factory.SubFactory(UserFactory, is_organizer=True)
    before = "top"
    after = "excellent"
    reason = "评审会议决定调整"


class NoticeFactory(factory.django.DjangoModelFactory[Notice]):
    class Meta:
        model = Notice

    call = factory.SubFactory(CallFactory, status=Call.Status.NOTICE)
    title = "评选结果公示"
    text = "如有异议请反映。"
    starts_at = factory.LazyFunction(timezone.now)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(days=7))


class ObjectionFactory(factory.django.DjangoModelFactory[Objection]):
    class Meta:
        model = Objection

    notice = factory.SubFactory(NoticeFactory)
    received_at = factory.LazyAttribute(lambda o: o.notice.starts_at + timedelta(hours=1))
    submitter = "群众来信"
    text = "异议"
    recorded_by = factory.SubFactory(UserFactory, is_organizer=True)


class RoundSigningFactory(factory.django.DjangoModelFactory[RoundSigning]):
    class Meta:
        model = RoundSigning

    round = factory.SubFactory(RoundFactory)
    supervisor_name = "纪检监督员"


class ResultSignatureFactory(factory.django.DjangoModelFactory[ResultSignature]):
    class Meta:
        model = ResultSignature

    round = factory.SubFactory(RoundFactory)
    role = ResultSignature.Role.JUDGE
    judge = factory.SubFactory(JudgeFactory)
    name = factory.LazyAttribute(lambda o: o.judge.name if o.judge else "组长")
    state = ResultSignature.State.SIGNED
    at = factory.LazyFunction(timezone.now)


class WorkCalendarDayFactory(factory.django.DjangoModelFactory[WorkCalendarDay]):
    class Meta:
        model = WorkCalendarDay
        django_get_or_create = ("date",)

    date = factory.Sequence(lambda n: date(2030, 1, 1) + timedelta(days=n))
    is_workday = True
    note = "调休上班"


class SeriesFactory(factory.django.DjangoModelFactory[Series]):
    """A series as stored (no installments: see tests/publishing/kit.draft for one drafted from
    a call's awards)."""

    class Meta:
        model = Series

    call = factory.SubFactory(CallFactory, status=Call.Status.FINAL)
    slug = factory.Sequence(lambda n: f"series-{n}")
    title = "某区文明城市创建优秀案例巡礼"
    host_line = "某区委宣传部 某区文明办"
    created_by = factory.SubFactory(UserFactory, is_editor=True)


class InstallmentFactory(factory.django.DjangoModelFactory[Installment]):
    class Meta:
        model = Installment

    series = factory.SubFactory(SeriesFactory)
    number = factory.Sequence(lambda n: n % 50 + 1)
    headline = "邻里守望 温暖同行"


class FeatureFactory(factory.django.DjangoModelFactory[Feature]):
    class Meta:
        model = Feature

    installment = factory.SubFactory(InstallmentFactory)
    series = factory.SelfAttribute("installment.series")
    case = factory.SubFactory(
        CaseFactory, call=factory.SelfAttribute("..series.call"), status=Case.Status.ACCEPTED
    )
    position = factory.Sequence(lambda n: n + 1)
    title = factory.LazyAttribute(lambda o: o.case.title)
    unit_line = factory.LazyAttribute(lambda o: o.case.unit.name)
    body = factory.LazyAttribute(lambda o: o.case.body)


class FeaturePhotoFactory(factory.django.DjangoModelFactory[FeaturePhoto]):
    class Meta:
        model = FeaturePhoto

    feature = factory.SubFactory(FeatureFactory)
    photo = factory.SubFactory(PhotoFactory, case=factory.SelfAttribute("..feature.case"))
    position = factory.Sequence(lambda n: n + 1)
    caption = factory.LazyAttribute(lambda o: o.photo.caption)


class InstallmentVersionFactory(factory.django.DjangoModelFactory[InstallmentVersion]):
    class Meta:
        model = InstallmentVersion

    installment = factory.SubFactory(InstallmentFactory)
    number = factory.Sequence(lambda n: n + 1)
    published_at = factory.LazyFunction(timezone.now)
    published_by = factory.SubFactory(UserFactory, is_editor=True)
    content = factory.LazyFunction(lambda: {"features": []})


class PublishedPhotoFactory(factory.django.DjangoModelFactory[PublishedPhoto]):
    class Meta:
        model = PublishedPhoto

    version = factory.SubFactory(InstallmentVersionFactory)
    file = factory.LazyFunction(_small_jpeg)
    width = 16
    height = 12


class MessageTemplateFactory(factory.django.DjangoModelFactory[MessageTemplate]):
    class Meta:
        model = MessageTemplate

    event = factory.Iterator(["case_accepted", "case_returned", "case_rejected", "call_opened"])
    subject = "案例{code}通过形式审查"
    body = "{name}：您单位的案例“{case}”已通过形式审查。"


class MessageFactory(factory.django.DjangoModelFactory[Message]):
    class Meta:
        model = Message

    event = "case_accepted"
    channel = "email"
    user = factory.SubFactory(UserFactory)
    address = factory.LazyAttribute(lambda m: m.user.email)
    subject = "案例通过形式审查"
    body = "您单位的案例已通过形式审查。"


# --- accounts ---


class ResetCodeFactory(factory.django.DjangoModelFactory[ResetCode]):
    """A text-message reset code "123456" (stored hashed), valid 10 minutes."""

    class Meta:
        model = ResetCode

    user = factory.SubFactory(UserFactory, phone="13800000000")
    code_hash = factory.LazyAttribute(lambda o: code_hash(o.user.pk, "123456"))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=10))


# --- outcomes ---
class ReceiptFactory(factory.django.DjangoModelFactory[Receipt]):
    class Meta:
        model = Receipt

    case = factory.SubFactory(CaseFactory, status=Case.Status.SUBMITTED)
    version = 1
    number = factory.LazyAttribute(lambda r: f"{r.case.code}-{r.version}")
    submitted_at = factory.LazyFunction(timezone.now)
    call_title = factory.LazyAttribute(lambda r: r.case.call.title)
    case_code = factory.LazyAttribute(lambda r: r.case.code)
    unit_name = factory.LazyAttribute(lambda r: r.case.unit.name)
    title = factory.LazyAttribute(lambda r: r.case.title)
    files = factory.LazyFunction(
        lambda: [{"kind": "photo", "name": "照片.jpg", "size": 1234, "sha256": "0" * 64}]
    )


# --- uploads ---


class ChunkedUploadFactory(factory.django.DjangoModelFactory[ChunkedUpload]):
    """A photo upload just started by a unit user for a new case of an open call."""

    class Meta:
        model = ChunkedUpload

    user = factory.LazyFunction(unit_user)
    call = factory.SubFactory(CallFactory)
    kind = ChunkedUpload.Kind.PHOTO
    original_name = "现场照片.jpg"
    size = 1000


# --- certificates ---
from certificates.models import Certificate, CertificateDesign, CertificateJob  # noqa: E402


class CertificateDesignFactory(factory.django.DjangoModelFactory[CertificateDesign]):
    class Meta:
        model = CertificateDesign

    call = factory.SubFactory(CallFactory, status=Call.Status.FINAL)
    issuer = "某区文明办"
    issued_on = date(2025, 12, 30)


class CertificateFactory(factory.django.DjangoModelFactory[Certificate]):
    class Meta:
        model = Certificate

    call = factory.SubFactory(CallFactory, status=Call.Status.FINAL)
    case = factory.SubFactory(
        CaseFactory, call=factory.SelfAttribute("..call"), status=Case.Status.ACCEPTED
    )
    number = factory.Sequence(lambda n: f"ZS2025-{n + 1:04d}")
    check_code = "7KQ4MX"
    level = "top"
    award_name = "十佳案例"
    unit_name = factory.LazyAttribute(lambda c: c.case.unit.name)
    case_title = factory.LazyAttribute(lambda c: c.case.title)
    call_title = factory.LazyAttribute(lambda c: c.call.title)
    title = "荣誉证书"
    text = factory.LazyAttribute(lambda c: f"{c.unit_name}：你单位选送的案例荣获十佳案例。")
    issued_on = date(2025, 12, 30)
    pdf = factory.LazyFunction(lambda: ContentFile(b"%PDF-1.7\n%%EOF\n", name="c.pdf"))


class CertificateJobFactory(factory.django.DjangoModelFactory[CertificateJob]):
    class Meta:
        model = CertificateJob

    call = factory.SubFactory(CallFactory, status=Call.Status.FINAL)
    created_by = factory.SubFactory(UserFactory, is_organizer=True)


# --- public ---
class SiteProfileFactory(factory.django.DjangoModelFactory[SiteProfile]):
    class Meta:
        model = SiteProfile

    portal_name = "某区文明创建案例征集评选平台"
    host_org = "某区委宣传部 某区文明办"
    contact_phone = "010-12345678"
    contact_email = "wmb@example.gov.cn"
    address = "某区人民路1号"
    icp_number = "京ICP备12345678号-1"
    police_number = "京公网安备11010502000001号"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        profile = super()._create(model_class, *args, **kwargs)
        site_cache.site_profile_changed()  # pages show it at once (tests start with it cached)
        return profile


class CallDocumentFactory(factory.django.DjangoModelFactory[CallDocument]):
    class Meta:
        model = CallDocument

    call = factory.SubFactory(CallFactory)
    title = factory.Sequence(lambda n: f"征集通知{n}")
    extension = ".pdf"
    file = factory.LazyFunction(
        lambda: ContentFile(b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n", name="x.pdf")
    )
    size = 45


# --- messaging ---
class DeadlineReminderFactory(factory.django.DjangoModelFactory[DeadlineReminder]):
    class Meta:
        model = DeadlineReminder

    call = factory.SubFactory(CallFactory)
    unit = factory.SubFactory(UnitFactory)
