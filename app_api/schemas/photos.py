"""Replies about photo evidence."""

from __future__ import annotations

from pydantic import Field

from app_api.schemas.base import TIME_EXAMPLE, Exact, IsoTime, Out

PHOTO_URL = "https://12345.example.gov.cn/api/v1/photos/41/display?exp=1764300000&sig=3f9a0c"


class GpsOut(Exact):
    lat: float = Field(description="纬度", examples=[30.2741])
    lng: float = Field(description="经度", examples=[120.1551])


class PhotoOut(Out):
    """An uploaded photo: what was read from it (to prefill the case) and where to fetch it."""

    id: int = Field(description="照片 ID，提交诉求时放入 photo_ids", examples=[41])
    sha256: str = Field(
        description="原始文件的 SHA-256（十六进制）", examples=["9f86d0" + "0" * 58]
    )
    width: int = Field(description="展示图宽度（像素）", examples=[1600])
    height: int = Field(description="展示图高度（像素）", examples=[1200])
    content_type: str = Field(description="展示图的类型", examples=["image/jpeg"])
    taken_at: IsoTime | None = Field(
        description="EXIF 中的拍摄时间（无则为 null）", examples=[TIME_EXAMPLE]
    )
    gps: GpsOut | None = Field(description="EXIF 中的拍摄位置（无则为 null）")
    url: str = Field(description="展示图的签名地址（有时效）", examples=[PHOTO_URL])
    thumb_url: str = Field(
        description="缩略图的签名地址（有时效）", examples=[PHOTO_URL.replace("display", "thumb")]
    )


class CasePhotoOut(Exact):
    """A photo in a case reply; ``gps`` only for its owner and for staff."""

    id: int = Field(description="照片 ID", examples=[41])
    url: str = Field(description="展示图的签名地址（有时效）", examples=[PHOTO_URL])
    thumb_url: str = Field(
        description="缩略图的签名地址（有时效）", examples=[PHOTO_URL.replace("display", "thumb")]
    )
    width: int = Field(description="展示图宽度（像素）", examples=[1600])
    height: int = Field(description="展示图高度（像素）", examples=[1200])
    taken_at: IsoTime | None = Field(description="拍摄时间（无则为 null）", examples=[TIME_EXAMPLE])
    gps: GpsOut | None = Field(description="拍摄位置；仅照片上传者本人和工作人员可见，否则为 null")
