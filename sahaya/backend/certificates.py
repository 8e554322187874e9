"""Certificates: the PDF (applicant's language with English alongside), the
signed QR record, issue, revocation and online verification.

Telugu and Devanagari need OpenType shaping (conjuncts, vowel signs), so fpdf2
runs HarfBuzz (`set_text_shaping(True)`) with Noto fonts. NotoSans is cut down
to Latin once (var/cache/fonts) because loading its 3,000 glyphs per PDF costs
more than the rest of the certificate.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import qrcode
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import SubsetMap
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M
from sqlalchemy import select
from sqlalchemy.orm import Session

from sahaya.catalogue import Catalogue, Service, catalogue

from . import register
from .clock import iso, today_ist, utcnow
from .ids import next_public_id
from .models import Application, Certificate
from .signing import (
    FORMAT_VERSION,
    Signer,
    Verifier,
    canonical,
    check_signature,
    details_digest,
    document_hash,
    verification_url,
)

log = logging.getLogger(__name__)

LATIN_RANGES = (
    (0x0020, 0x007E),
    (0x00A0, 0x024F),
    (0x2000, 0x206F),  # punctuation: dashes, quotes, bullets
    (0x20B9, 0x20B9),  # ₹
    (0x2116, 0x2116),  # №
    (0x25CC, 0x25CC),  # dotted circle, used by shapers
)

FONT_FILES = {
    ("latin", ""): "NotoSans-Regular.ttf",
    ("latin", "B"): "NotoSans-Bold.ttf",
    ("telugu", ""): "NotoSansTelugu-Regular.ttf",
    ("telugu", "B"): "NotoSansTelugu-Bold.ttf",
    ("deva", ""): "NotoSansDevanagari-Regular.ttf",
    ("deva", "B"): "NotoSansDevanagari-Bold.ttf",
}
SCRIPT_OF_LANGUAGE = {"te": "telugu", "hi": "deva", "en": "latin"}


class FontsMissing(RuntimeError):
    pass


# Fixed texts on the certificate, per language. Field labels follow.
TEXTS: dict[str, dict[str, str]] = {
    "certificate_no": {"te": "సర్టిఫికెట్ సంఖ్య", "hi": "प्रमाणपत्र संख्या", "en": "Certificate No."},
    "application_no": {"te": "దరఖాస్తు సంఖ్య", "hi": "आवेदन संख्या", "en": "Application No."},
    "issued_on": {"te": "జారీ చేసిన తేదీ", "hi": "जारी करने की तिथि", "en": "Date of issue"},
    "holder": {"te": "పేరు", "hi": "नाम", "en": "Name"},
    "details": {"te": "వివరాలు", "hi": "विवरण", "en": "Details"},
    "statement": {
        "te": "{name} గారికి ఈ {service} జారీ చేయబడినదని ధృవీకరించడమైనది.",
        "hi": "प्रमाणित किया जाता है कि {name} को यह {service} जारी किया गया है।",
        "en": "This is to certify that this {service} has been issued to {name}.",
    },
    "verify": {
        "te": "ఈ సర్టిఫికెట్‌ను ధృవీకరించడానికి QR కోడ్‌ను స్కాన్ చేయండి.",
        "hi": "इस प्रमाणपत्र को सत्यापित करने के लिए QR कोड स्कैन करें।",
        "en": "Scan the QR code to verify this certificate.",
    },
    "signed": {
        "te": "డిజిటల్ సంతకం చేయబడింది (Ed25519, కీ {kid}). ఏ మార్పు చేసినా సంతకం చెల్లదు.",
        "hi": "डिजिटल रूप से हस्ताक्षरित (Ed25519, कुंजी {kid})। कोई भी बदलाव हस्ताक्षर को अमान्य कर देता है।",
        "en": "Digitally signed (Ed25519, key {kid}). Any change makes the signature invalid.",
    },
    "electronic": {
        "te": "సహాయ ద్వారా ఎలక్ట్రానిక్‌గా జారీ చేయబడింది; చేతి సంతకం అవసరం లేదు.",
        "hi": "सहाय द्वारा इलेक्ट्रॉनिक रूप से जारी; हस्तलिखित हस्ताक्षर की आवश्यकता नहीं है।",
        "en": "Issued electronically through Sahaya; no handwritten signature is required.",
    },
}

FIELD_LABELS: dict[str, dict[str, str]] = {
    "name": {"te": "పేరు", "hi": "नाम", "en": "Name"},
    "applicant_name": {"te": "దరఖాస్తుదారు పేరు", "hi": "आवेदक का नाम", "en": "Applicant's name"},
    "full_name": {"te": "పూర్తి పేరు", "hi": "पूरा नाम", "en": "Full name"},
    "father_name": {"te": "తండ్రి పేరు", "hi": "पिता का नाम", "en": "Father's name"},
    "mother_name": {"te": "తల్లి పేరు", "hi": "माता का नाम", "en": "Mother's name"},
    "spouse_name": {"te": "జీవిత భాగస్వామి పేరు", "hi": "पति/पत्नी का नाम", "en": "Spouse's name"},
    "child_name": {"te": "బిడ్డ పేరు", "hi": "बच्चे का नाम", "en": "Child's name"},
    "deceased_name": {"te": "మృతుని పేరు", "hi": "मृतक का नाम", "en": "Name of the deceased"},
    "groom_name": {"te": "వరుని పేరు", "hi": "वर का नाम", "en": "Groom's name"},
    "bride_name": {"te": "వధువు పేరు", "hi": "वधू का नाम", "en": "Bride's name"},
    "date_of_birth": {"te": "పుట్టిన తేదీ", "hi": "जन्म तिथि", "en": "Date of birth"},
    "date_of_death": {"te": "మరణించిన తేదీ", "hi": "मृत्यु की तिथि", "en": "Date of death"},
    "date_of_marriage": {"te": "వివాహ తేదీ", "hi": "विवाह की तिथि", "en": "Date of marriage"},
    "place_of_birth": {"te": "పుట్టిన స్థలం", "hi": "जन्म स्थान", "en": "Place of birth"},
    "place_of_death": {"te": "మరణించిన స్థలం", "hi": "मृत्यु का स्थान", "en": "Place of death"},
    "gender": {"te": "లింగం", "hi": "लिंग", "en": "Gender"},
    "address": {"te": "చిరునామా", "hi": "पता", "en": "Address"},
    "village": {"te": "గ్రామం", "hi": "गाँव", "en": "Village"},
    "mandal": {"te": "మండలం", "hi": "मंडल", "en": "Mandal"},
    "district": {"te": "జిల్లా", "hi": "ज़िला", "en": "District"},
    "pincode": {"te": "పిన్ కోడ్", "hi": "पिन कोड", "en": "PIN code"},
    "aadhaar": {"te": "ఆధార్", "hi": "आधार", "en": "Aadhaar"},
    "mobile": {"te": "మొబైల్", "hi": "मोबाइल", "en": "Mobile"},
    "annual_income": {"te": "వార్షిక ఆదాయం", "hi": "वार्षिक आय", "en": "Annual income"},
    "income": {"te": "ఆదాయం", "hi": "आय", "en": "Income"},
    "occupation": {"te": "వృత్తి", "hi": "व्यवसाय", "en": "Occupation"},
    "caste": {"te": "కులం", "hi": "जाति", "en": "Caste"},
    "sub_caste": {"te": "ఉపకులం", "hi": "उपजाति", "en": "Sub-caste"},
    "category": {"te": "వర్గం", "hi": "वर्ग", "en": "Category"},
    "religion": {"te": "మతం", "hi": "धर्म", "en": "Religion"},
    "purpose": {"te": "ప్రయోజనం", "hi": "उद्देश्य", "en": "Purpose"},
    "years_of_residence": {"te": "నివాస సంవత్సరాలు", "hi": "निवास के वर्ष", "en": "Years of residence"},
    "relationship": {"te": "సంబంధం", "hi": "संबंध", "en": "Relationship"},
    "date_of_event": {"te": "తేదీ", "hi": "तिथि", "en": "Date of event"},
    "place_of_event": {"te": "స్థలం", "hi": "स्थान", "en": "Place"},
    "member_name": {"te": "సభ్యుని పేరు", "hi": "सदस्य का नाम", "en": "Member's name"},
    "member_aadhaar": {"te": "సభ్యుని ఆధార్", "hi": "सदस्य का आधार", "en": "Member's Aadhaar"},
    "disability_type": {"te": "వైకల్యం రకం", "hi": "दिव्यांगता का प्रकार", "en": "Type of disability"},
    "disability_percentage": {"te": "వైకల్య శాతం", "hi": "दिव्यांगता प्रतिशत", "en": "Disability percentage"},
    "hall_ticket_number": {"te": "హాల్ టికెట్ నంబర్", "hi": "हॉल टिकट नंबर", "en": "Hall ticket number"},
    "year_of_passing": {"te": "ఉత్తీర్ణత సంవత్సరం", "hi": "उत्तीर्ण वर्ष", "en": "Year of passing"},
    "business_name": {"te": "వ్యాపారం పేరు", "hi": "व्यापार का नाम", "en": "Business name"},
    "trade_type": {"te": "వ్యాపార రకం", "hi": "व्यापार का प्रकार", "en": "Type of trade"},
    "survey_number": {"te": "సర్వే నంబర్", "hi": "सर्वे नंबर", "en": "Survey number"},
    "document_number": {"te": "దస్తావేజు నంబర్", "hi": "दस्तावेज़ संख्या", "en": "Document number"},
    "sro_name": {"te": "సబ్-రిజిస్ట్రార్ కార్యాలయం", "hi": "उप-पंजीयक कार्यालय", "en": "Sub-Registrar Office"},
    "ec_years": {"te": "సంవత్సరాలు", "hi": "वर्ष", "en": "Years"},
    "plot_area": {"te": "స్థలం విస్తీర్ణం (చ.గజాలు)", "hi": "प्लॉट क्षेत्रफल (वर्ग गज)", "en": "Plot area (sq. yards)"},
    "vehicle_number": {"te": "వాహనం నంబర్", "hi": "वाहन संख्या", "en": "Vehicle number"},
    "vehicle_class": {"te": "వాహనం రకం", "hi": "वाहन का प्रकार", "en": "Vehicle class"},
    "licence_number": {"te": "లైసెన్స్ నంబర్", "hi": "लाइसेंस नंबर", "en": "Licence number"},
    "ration_card_number": {"te": "రేషన్ కార్డు నంబర్", "hi": "राशन कार्ड नंबर", "en": "Ration card number"},
    "property_number": {"te": "ఆస్తి నంబర్", "hi": "संपत्ति संख्या", "en": "Property number"},
    "police_station": {"te": "పోలీస్ స్టేషన్", "hi": "पुलिस थाना", "en": "Police station"},
    "fir_number": {"te": "ఎఫ్ఐఆర్ నంబర్", "hi": "एफआईआर नंबर", "en": "FIR number"},
    "lost_item": {"te": "పోయినవి", "hi": "खोई वस्तुएँ", "en": "Items lost"},
}


def label_for(field_code: str, language: str) -> tuple[str, str]:
    """(local label, English label); the local one is empty when unknown.

    The catalogue's field labels come first (one source of truth with the
    bot's summary); FIELD_LABELS covers catalogues without labels."""
    field = catalogue().fields.get(field_code)
    if field is not None and all(field.label.get(lang) for lang in ("te", "hi", "en")):
        return (field.label[language] if language != "en" else "", field.label["en"])
    known = FIELD_LABELS.get(field_code)
    if known:
        return (known[language] if language != "en" else "", known["en"])
    for key in ("aadhaar", "aadhar"):
        if key in field_code:
            return label_for("aadhaar", language)
    return ("", field_code.replace("_", " ").capitalize())


def _format_value(value: object) -> str:
    text = str(value)
    # ISO dates read better as DD-MM-YYYY on a certificate.
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.replace("-", "").isdigit():
        return f"{text[8:10]}-{text[5:7]}-{text[0:4]}"
    return text


def indian_rupees(amount: str) -> str:
    """"120000" -> "₹1,20,000" (lakh grouping); "1500.50" -> "₹1,500.50"."""
    whole, _, paise = amount.partition(".")
    if not whole.isdigit():
        return amount
    head, tail = whole[:-3], whole[-3:]
    groups = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    text = ",".join(groups + [tail]) if groups else tail
    return f"₹{text}" + (f".{paise}" if paise else "")


def holder_name(application: Application, catalogue: Catalogue) -> str:
    service_fields = catalogue.services[application.service].fields
    name_fields = [
        code
        for code in service_fields
        if code in catalogue.fields and catalogue.fields[code].type == "name"
    ]
    for preferred in ("applicant_name", "name", "full_name"):
        if preferred in name_fields and application.fields.get(preferred):
            return str(application.fields[preferred])
    for code in name_fields:
        if application.fields.get(code):
            return str(application.fields[code])
    return "-"


@dataclass(frozen=True)
class DetailRow:
    label_local: str
    label_en: str
    value: str


def detail_rows(
    application: Application, catalogue: Catalogue, language: str
) -> list[DetailRow]:
    rows = []
    for code in catalogue.services[application.service].fields:
        spec = catalogue.fields.get(code)
        if spec is None or spec.type == "document" or code not in application.fields:
            continue
        raw = application.fields[code]
        value = _format_value(raw)
        if spec.type == "amount":
            value = indian_rupees(str(raw))
        if spec.type == "choice":
            choice = spec.choice(str(raw))
            if choice:
                local = choice.name.get(language) or choice.code
                english = choice.name.get("en") or choice.code
                value = local if local == english else f"{local} / {english}"
        local_label, en_label = label_for(code, language)
        rows.append(DetailRow(local_label, en_label, value))
    return rows


# --- rendering ------------------------------------------------------------------

def _scripts_in(texts: Sequence[str]) -> set:
    found = set()
    for text in texts:
        for ch in text:
            cp = ord(ch)
            if 0x0C00 <= cp <= 0x0C7F:
                found.add("telugu")
            elif 0x0900 <= cp <= 0x097F or 0xA8E0 <= cp <= 0xA8FF:
                found.add("deva")
    return found


def qr_image(data: str) -> Image.Image:
    # A fixed mask pattern skips qrcode's slow pure-Python search (30 ms)
    # and is still a valid code.
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2, mask_pattern=0)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    size = len(matrix)
    img = Image.new("L", (size, size), 255)
    img.putdata([0 if cell else 255 for row in matrix for cell in row])
    return img


class CertificateRenderer:
    def __init__(self, font_dir: Path, cache_dir: Path) -> None:
        self.font_dir = Path(font_dir)
        self.cache_dir = Path(cache_dir)
        self._paths: dict[tuple[str, str], Path] | None = None
        self._templates: dict[tuple[str, str], object] = {}
        self._lock = threading.Lock()
        # One certificate at a time: the font templates are shared.
        self._render_lock = threading.Lock()
        # False: plain add_font per document (the reference the tests compare with).
        self.reuse_fonts = True

    def _install_font(self, pdf: FPDF, family: str, style: str, path: Path) -> None:
        """add_font, minus the parsing: reuse a parsed font, fresh per-document state.

        fpdf2 parses the whole font on every add_font (≈10 ms a font, four per
        certificate). The parsed metrics, cmap and HarfBuzz face never change, so
        one template per font is kept; each document gets a copy with its own
        glyph subset and a lazily opened TTFont, which fpdf2 cuts down in place
        when it writes the PDF. tests/backend/test_certificates.py checks the
        result against plain add_font.
        """
        if not self.reuse_fonts:
            pdf.add_font(family, style=style, fname=str(path))
            pdf.fonts[f"{family}{style}"].ttfont.recalcBBoxes = False
            return
        key = (family, style)
        template = self._templates.get(key)
        if template is None:
            scratch = FPDF()
            scratch.add_font(family, style=style, fname=str(path))
            template = next(iter(scratch.fonts.values()))
            _ = template.hbfont  # build the HarfBuzz face once
            self._templates[key] = template
        try:
            font = copy.copy(template)
            font.i = len(pdf.fonts) + 1
            font.ttfont = TTFont(template.ttffile, recalcTimestamp=False, recalcBBoxes=False, lazy=True)
            font.subset = SubsetMap(font)
            font.biggest_size_pt = 0
            font.missing_glyphs = []
            pdf.fonts[template.fontkey] = font
        except AttributeError:  # pragma: no cover - a future fpdf2 changed its internals
            log.warning("font reuse unavailable; loading fonts per certificate")
            pdf.add_font(family, style=style, fname=str(path))
            pdf.fonts[f"{family}{style}"].ttfont.recalcBBoxes = False

    def font_paths(self) -> dict[tuple[str, str], Path]:
        with self._lock:
            if self._paths is None:
                self._paths = self._prepare_fonts()
            return self._paths

    def _prepare_fonts(self) -> dict[tuple[str, str], Path]:
        missing = [n for n in FONT_FILES.values() if not (self.font_dir / n).exists()]
        if missing:
            raise FontsMissing(
                f"fonts {', '.join(missing)} not found in {self.font_dir}; install them with "
                "`apt-get install fonts-noto-core` or set SAHAYA_FONT_DIR"
            )
        paths = {key: self.font_dir / name for key, name in FONT_FILES.items()}
        for style in ("", "B"):
            source = paths[("latin", style)]
            target = self.cache_dir / "fonts" / f"{source.stem}-latin.ttf"
            if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
                self._subset_latin(source, target)
            paths[("latin", style)] = target
        return paths

    @staticmethod
    def _subset_latin(source: Path, target: Path) -> None:
        from fontTools import subset as ftsubset
        from fontTools.ttLib import TTFont

        font = TTFont(source)
        options = ftsubset.Options()
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        options.notdef_outline = True
        subsetter = ftsubset.Subsetter(options)
        subsetter.populate(
            unicodes=[cp for lo, hi in LATIN_RANGES for cp in range(lo, hi + 1)]
        )
        subsetter.subset(font)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{threading.get_ident()}.tmp")
        font.save(tmp)
        tmp.replace(target)

    def render(self, **kwargs) -> bytes:
        with self._render_lock:
            return self._render(**kwargs)

    def _render(
        self,
        *,
        language: str,
        certificate_id: str,
        application_id: str,
        service: Service,
        department_name: Mapping[str, str],
        holder: str,
        issued_on: date,
        rows: Sequence[DetailRow],
        verify_url: str,
        key_id: str,
    ) -> bytes:
        lang = language if language in ("te", "hi") else "en"
        local_script = SCRIPT_OF_LANGUAGE[lang]
        def local(key: str, **kw: object) -> str:
            return TEXTS[key][lang].format(**kw)

        def english(key: str, **kw: object) -> str:
            return TEXTS[key]["en"].format(**kw)

        service_local = service.name.get(lang) or service.name.get("en") or service.code
        service_en = service.name.get("en") or service.code
        dept_local = department_name.get(lang) or department_name.get("en") or ""
        dept_en = department_name.get("en") or ""

        all_text = [holder, service_local, dept_local] + [r.value for r in rows]
        scripts = {"latin", local_script} | _scripts_in(all_text)
        paths = self.font_paths()

        pdf = FPDF(format="A4", unit="mm")
        pdf.set_auto_page_break(False)
        pdf.set_margins(18, 18, 18)
        for script in ("latin", "telugu", "deva"):
            if script in scripts:
                for style in ("", "B"):
                    self._install_font(pdf, script, style, paths[(script, style)])
        pdf.set_text_shaping(True)
        pdf.set_fallback_fonts([s for s in ("latin", "telugu", "deva") if s in scripts])
        pdf.set_title(f"{service_en} {certificate_id}")
        pdf.set_creator("Sahaya")
        pdf.add_page()
        width = pdf.w - pdf.l_margin - pdf.r_margin

        # frame
        pdf.set_draw_color(30, 70, 120)
        pdf.set_line_width(0.8)
        pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
        pdf.set_line_width(0.2)
        pdf.rect(12, 12, pdf.w - 24, pdf.h - 24)

        def line(text: str, script: str, size: float, style: str = "", h: float = 7, align: str = "C") -> None:
            pdf.set_font(script, style, size)
            pdf.cell(width, h, text, align=align, new_x="LMARGIN", new_y="NEXT")

        pdf.set_y(20)
        pdf.set_text_color(30, 70, 120)
        if lang != "en" and dept_local:
            line(dept_local, local_script, 13, "B", 8)
        if dept_en:
            line(dept_en, "latin", 11, "", 6)
        pdf.ln(4)
        pdf.set_text_color(0, 0, 0)
        if lang != "en":
            line(service_local, local_script, 20, "B", 11)
        line(service_en, "latin", 15 if lang != "en" else 20, "B", 9)
        pdf.ln(3)
        pdf.set_draw_color(30, 70, 120)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
        pdf.ln(5)

        def paragraph(text: str, script: str, size: float, h: float) -> None:
            # multi_cell shapes the text once per character while wrapping;
            # a line that fits goes through cell() with one shaping call.
            pdf.set_font(script, "", size)
            if pdf.get_string_width(text) <= width - 2:
                pdf.cell(width, h, text, new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.multi_cell(width, h, text, new_x="LMARGIN", new_y="NEXT")

        def bilingual(key: str) -> str:
            return TEXTS[key]["en"] if lang == "en" else f"{TEXTS[key][lang]} / {TEXTS[key]['en']}"

        def pair(label: str, value: str, bold_value: bool = True) -> None:
            pdf.set_font(local_script, "", 10.5)
            pdf.cell(70, 7, label)
            pdf.set_font(local_script, "B" if bold_value else "", 10.5)
            pdf.cell(width - 70, 7, value, new_x="LMARGIN", new_y="NEXT")

        pair(bilingual("certificate_no"), certificate_id)
        pair(bilingual("application_no"), application_id)
        pair(bilingual("issued_on"), issued_on.strftime("%d-%m-%Y"))
        pair(bilingual("holder"), holder)
        pdf.ln(4)

        if lang != "en":
            paragraph(local("statement", name=holder, service=service_local), local_script, 12, 7.5)
            pdf.ln(1)
        paragraph(english("statement", name=holder, service=service_en), "latin", 11, 6.5)
        pdf.ln(5)

        if rows:
            pdf.set_font(local_script, "B", 11)
            pdf.cell(width, 7, bilingual("details"), new_x="LMARGIN", new_y="NEXT")
            pdf.set_draw_color(160, 160, 160)
            label_w = 72
            for row in rows[:14]:
                label = f"{row.label_local} / {row.label_en}" if row.label_local else row.label_en
                pdf.set_font(local_script, "", 10)
                pdf.cell(label_w, 7, label, border=1)
                pdf.set_font(local_script, "B", 10)
                value = row.value if len(row.value) <= 60 else row.value[:57] + "..."
                pdf.cell(width - label_w, 7, value, border=1, new_x="LMARGIN", new_y="NEXT")

        # QR code and the verification note at the bottom
        qr_size = 42
        qr_x = pdf.w - pdf.r_margin - qr_size
        qr_y = pdf.h - 24 - qr_size - 18
        pdf.image(qr_image(verify_url), x=qr_x, y=qr_y, w=qr_size, h=qr_size)
        text_w = width - qr_size - 6
        pdf.set_xy(pdf.l_margin, qr_y + 2)
        notes = []
        if lang != "en":
            notes += [(local("verify"), local_script), (local("signed", kid=key_id), local_script)]
        notes += [(english("verify"), "latin"), (english("signed", kid=key_id), "latin")]
        for text, script in notes:
            size = 9.0
            pdf.set_font(script, "", size)
            while pdf.get_string_width(text) > text_w and size > 6.5:
                size -= 0.5
                pdf.set_font(script, "", size)
            pdf.cell(text_w, 5, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(0.8)
        pdf.set_text_color(90, 90, 90)
        pdf.set_font("latin", "", 7)
        pdf.set_xy(pdf.l_margin, qr_y + qr_size + 2)
        pdf.cell(width, 4, verify_url.split("?")[0], align="R", new_x="LMARGIN", new_y="NEXT")

        pdf.set_y(pdf.h - 30)
        if lang != "en":
            line(local("electronic"), local_script, 8.5, "", 5)
        line(english("electronic"), "latin", 8.5, "", 5)
        return bytes(pdf.output())


# --- issue, revoke, verify ------------------------------------------------------

def issue_certificate(
    session: Session,
    *,
    application: Application,
    catalogue: Catalogue,
    signer: Signer,
    renderer: CertificateRenderer,
    public_url: str,
) -> Certificate:
    """PDF + signed QR + register entry, in the caller's transaction."""
    service = catalogue.services[application.service]
    department = catalogue.department(service.department)
    certificate_id = next_public_id(session, "CERT")
    issued_on = today_ist()
    holder = holder_name(application, catalogue)
    details = {
        code: value
        for code, value in application.fields.items()
        if not (catalogue.fields.get(code) and catalogue.fields[code].type == "document")
    }
    fields = {
        "v": FORMAT_VERSION,
        "c": certificate_id,
        "a": application.public_id,
        "s": service.code,
        "n": holder,
        "d": issued_on.isoformat(),
        "h": details_digest(details),
        "k": signer.key_id,
    }
    signature = signer.sign(canonical(fields))
    url = verification_url(public_url, fields, signature)
    pdf = renderer.render(
        language=application.language,
        certificate_id=certificate_id,
        application_id=application.public_id,
        service=service,
        department_name=department.name if department else {},
        holder=holder,
        issued_on=issued_on,
        rows=detail_rows(application, catalogue, application.language),
        verify_url=url,
        key_id=signer.key_id,
    )
    certificate = Certificate(
        public_id=certificate_id,
        application_id=application.id,
        service=service.code,
        language=application.language,
        holder_name=holder,
        issued_on=issued_on,
        issued_at=utcnow(),
        details_digest=fields["h"],
        details=details,
        key_id=signer.key_id,
        signature=signature,
        pdf=pdf,
    )
    session.add(certificate)
    session.flush()
    register.append(
        session,
        signer,
        action="issue",
        certificate_id=certificate_id,
        application_id=application.public_id,
        document_hash=document_hash(fields),
    )
    return certificate


def certificate_fields(certificate: Certificate, application_public_id: str) -> dict[str, str]:
    return {
        "v": FORMAT_VERSION,
        "c": certificate.public_id,
        "a": application_public_id,
        "s": certificate.service,
        "n": certificate.holder_name,
        "d": certificate.issued_on.isoformat(),
        "h": certificate.details_digest,
        "k": certificate.key_id,
    }


def certificate_url(certificate: Certificate, application_public_id: str, public_url: str) -> str:
    return verification_url(
        public_url, certificate_fields(certificate, application_public_id), certificate.signature
    )


def revoke_certificate(session: Session, certificate: Certificate, reason: str, signer: Signer) -> bool:
    """Mark revoked and append to the register; False if it already was."""
    if certificate.revoked_at is not None:
        return False
    certificate.revoked_at = utcnow()
    certificate.revoke_reason = reason
    fields = certificate_fields(certificate, certificate.application.public_id)
    register.append(
        session,
        signer,
        action="revoke",
        certificate_id=certificate.public_id,
        application_id=certificate.application.public_id,
        document_hash=document_hash(fields),
    )
    return True


@dataclass
class VerifyResult:
    status: str  # VALID | INVALID | REVOKED
    reason: str
    fields: dict[str, str]
    revoked_at: str | None = None
    revoke_reason: str | None = None
    details: dict[str, object] | None = None


def verify_certificate(
    session: Session | None, fields: dict[str, str], signature: str | None, verifier: Verifier
) -> VerifyResult:
    """Signature first (works offline with session=None), then the register copy."""
    check = check_signature(fields, signature, verifier)
    if not check.valid:
        return VerifyResult("INVALID", check.reason, fields)
    if session is None:
        return VerifyResult("VALID", "signature_ok_offline", fields)
    certificate = session.execute(
        select(Certificate).where(Certificate.public_id == fields["c"])
    ).scalar_one_or_none()
    if certificate is None:
        return VerifyResult("INVALID", "unknown_certificate", fields)
    if certificate.signature != signature:
        return VerifyResult("INVALID", "does_not_match_register", fields)
    if certificate.revoked_at is not None:
        return VerifyResult(
            "REVOKED",
            "revoked",
            fields,
            revoked_at=iso(certificate.revoked_at),
            revoke_reason=certificate.revoke_reason,
            details=certificate.details,
        )
    return VerifyResult("VALID", "ok", fields, details=certificate.details)
