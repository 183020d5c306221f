import io
from datetime import timedelta

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.models import User
from submissions.models import Call, Case, Membership, Unit

PASSWORD = "pass-Word-123"


class UserFactory(factory.django.DjangoModelFactory):
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


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"某某街道{n}")


def unit_user(unit=None, **kwargs) -> User:
    unit = unit or UnitFactory()
    user = UserFactory(**kwargs)
    Membership.objects.create(unit=unit, user=user)
    return user


class CallFactory(factory.django.DjangoModelFactory):
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


class CaseFactory(factory.django.DjangoModelFactory):
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
