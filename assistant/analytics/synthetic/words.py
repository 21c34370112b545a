"""The Vietnamese of synthetic conversations: what citizens type, what the assistant answers
and what staff write back on petitions."""

from __future__ import annotations

MASK = "***"  # typed digits and phone numbers, masked as the conversation store keeps them
INTENT_BY_ASPECT = {
    "documents": "ask_documents",
    "fee": "ask_fee",
    "time": "ask_processing_time",
    "place": "ask_where_to_submit",
    "steps": "ask_procedure_overview",
}
ASPECT_WORDS = {
    "documents": "cần giấy tờ gì",
    "fee": "lệ phí bao nhiêu",
    "time": "mất bao lâu",
    "place": "nộp ở đâu",
    "steps": "làm thế nào",
    "conditions": "điều kiện gì",
    "form": "mẫu đơn",
    "result": "nhận được gì",
    "legal_basis": "căn cứ pháp lý",
}
QUESTIONS = {
    "documents": (
        "{name} cần giấy tờ gì",
        "làm {name} cần chuẩn bị hồ sơ gì ạ",
        "hồ sơ {name} gồm những gì",
        "cho hỏi {name} cần mang theo giấy tờ nào",
    ),
    "fee": ("lệ phí {name} bao nhiêu", "{name} hết bao nhiêu tiền ạ", "{name} có mất phí không"),
    "time": (
        "{name} mất bao lâu",
        "{name} bao nhiêu ngày thì có kết quả",
        "thời gian giải quyết {name} là bao lâu ạ",
    ),
    "place": ("{name} nộp ở đâu", "làm {name} ở cơ quan nào", "{name} nộp online được không"),
    "steps": ("thủ tục {name} như thế nào", "hướng dẫn {name}", "các bước {name} ra sao ạ"),
    "conditions": ("điều kiện {name} là gì", "{name} cần điều kiện gì"),
    "form": ("mẫu đơn {name} lấy ở đâu", "tờ khai {name} tải ở đâu"),
    "result": ("{name} xong thì nhận được giấy gì", "kết quả {name} là gì"),
    "legal_basis": ("{name} căn cứ văn bản nào", "căn cứ pháp lý của {name}"),
}
ANSWERS = {
    "documents": "Hồ sơ {name} gồm: tờ khai theo mẫu; giấy tờ tùy thân (bản chính để đối "
    "chiếu); các giấy tờ chứng minh theo từng trường hợp.",
    "fee": "Lệ phí {name}: theo biểu phí hiện hành; một số đối tượng được miễn. Anh/Chị có "
    "thể thanh toán trực tuyến.",
    "time": "Thời gian giải quyết {name}: 5 ngày làm việc kể từ khi nhận đủ hồ sơ hợp lệ.",
    "place": "{name}: nộp tại Bộ phận Một cửa hoặc trực tuyến trên Cổng Dịch vụ công.",
    "steps": "Trình tự {name}: 1) chuẩn bị hồ sơ; 2) nộp hồ sơ, nhận giấy hẹn; 3) nộp lệ phí "
    "(nếu có); 4) nhận kết quả theo giấy hẹn.",
    "conditions": "Điều kiện {name}: người nộp có đủ giấy tờ theo quy định và thuộc "
    "thẩm quyền giải quyết của cơ quan tiếp nhận.",
    "form": "Mẫu tờ khai {name} có trên Cổng Dịch vụ công và tại Bộ phận Một cửa.",
    "result": "Kết quả {name}: giấy tờ do cơ quan có thẩm quyền cấp, nhận theo giấy hẹn.",
    "legal_basis": "Căn cứ pháp lý của {name}: các luật, nghị định và thông tư hiện hành.",
}
RATING_PROMPT = "Câu trả lời này có giúp ích cho Anh/Chị không ạ?"
THANKS = "Cảm ơn Anh/Chị đã đánh giá! Anh/Chị cần hỏi thêm gì cứ nhắn cho tôi."
ASK_WHY = "Cảm ơn Anh/Chị. Câu trả lời chưa tốt ở điểm nào ạ?"
THANKS_REASON = "Cảm ơn Anh/Chị đã góp ý. Cán bộ sẽ xem lại câu trả lời này để sửa cho đúng."
WHICH_ONE = "Anh/Chị muốn hỏi về thủ tục nào dưới đây ạ?"
DENY_ACK = "Vâng ạ. Khi cần, Anh/Chị cứ nhắn cho tôi."
DECLINE = (
    "Xin lỗi Anh/Chị, tôi chưa trả lời được câu hỏi này. Anh/Chị vui lòng liên hệ đường dây "
    "nóng hoặc Bộ phận Một cửa để được hỗ trợ."
)
GREETINGS = ("xin chào", "chào bạn", "alo", "chào em", "hello", "chào ad ạ")
GREET_REPLY = (
    "Xin chào Anh/Chị! Tôi là trợ lý ảo hỗ trợ thủ tục hành chính. Anh/Chị có thể hỏi về "
    "giấy tờ, lệ phí, thời gian giải quyết hoặc nơi nộp hồ sơ của một thủ tục."
)
SMALLTALK = {
    "thank": (
        ("cảm ơn", "cám ơn bạn", "ok cảm ơn nhé", "thanks"),
        "utter_thank",
        "Không có gì ạ. Nếu cần hỏi thêm về thủ tục nào, Anh/Chị cứ nhắn cho tôi.",
    ),
    "goodbye": (
        ("tạm biệt", "bye", "chào nhé"),
        "utter_goodbye",
        "Chào Anh/Chị. Chúc Anh/Chị một ngày tốt lành!",
    ),
    "bot_challenge": (
        ("bạn là người hay máy", "có phải robot không", "em là người thật à"),
        "utter_iamabot",
        "Tôi là trợ lý ảo (chương trình máy tính), không phải người thật.",
    ),
}
FAQS = (
    (
        "working_hours",
        ("trung tâm làm việc giờ nào", "mấy giờ bộ phận một cửa mở cửa", "thứ bảy có làm không"),
        "Bộ phận Một cửa làm việc từ thứ Hai đến thứ Sáu, sáng 7h00–11h30, chiều 13h30–17h00.",
    ),
    (
        "online_submission_how",
        ("nộp hồ sơ trực tuyến như thế nào", "làm sao nộp hồ sơ online"),
        "Anh/Chị đăng nhập Cổng Dịch vụ công bằng tài khoản VNeID, chọn thủ tục và nộp hồ sơ.",
    ),
    (
        "forgot_password",
        ("quên mật khẩu VNeID thì làm sao", "quên pass dịch vụ công"),
        "Anh/Chị chọn “Quên mật khẩu” trên ứng dụng VNeID và làm theo hướng dẫn.",
    ),
    (
        "online_payment",
        ("thanh toán lệ phí trực tuyến như thế nào", "trả phí bằng ví điện tử được không"),
        "Anh/Chị thanh toán qua Cổng Dịch vụ công bằng thẻ ngân hàng hoặc ví điện tử.",
    ),
    (
        "dossier_code_where",
        ("mã hồ sơ xem ở đâu", "tôi không biết mã hồ sơ của mình"),
        "Mã hồ sơ in trên giấy tiếp nhận hồ sơ và hẹn trả kết quả.",
    ),
    (
        "receive_result_by_post",
        ("có nhận kết quả qua bưu điện được không", "gửi kết quả về nhà được không ạ"),
        "Được ạ. Anh/Chị đăng ký dịch vụ bưu chính công ích khi nộp hồ sơ.",
    ),
    (
        "hotline",
        ("số hotline là bao nhiêu", "cho xin số điện thoại trung tâm"),
        "Anh/Chị gọi đường dây nóng của Trung tâm Phục vụ hành chính công trong giờ hành chính.",
    ),
)
# Declined questions by topic. The inbox groups the first topic's wordings (they share
# "hỗ trợ tiền điện"); the other topics' wordings differ too much for its similarity
# threshold and land in separate groups, as real rewordings often do.
UNANSWERED = (
    (
        "khi nào được nhận tiền hỗ trợ tiền điện",
        "tiền hỗ trợ tiền điện bao giờ có",
        "hỗ trợ tiền điện nhận ở đâu ạ",
        "hỗ trợ tiền điện tháng này có không",
    ),
    (
        "khi nào có nước lại",
        "mai có cúp nước không",
        "lịch cúp nước tuần này",
        "sao nhà tôi mất nước từ sáng",
    ),
    ("học phí năm nay bao nhiêu", "miễn học phí cho con tôi được không", "học phí có giảm không"),
    ("xe buýt số 1 chạy mấy giờ", "tuyến xe buýt ra bến xe", "giờ xe buýt chạy buổi tối"),
    ("bảng giá đất năm nay", "giá đất khu tôi bao nhiêu", "giá đền bù đất là bao nhiêu"),
    ("ủy ban có tuyển dụng không", "thi công chức khi nào", "tuyển viên chức năm nay"),
)
DOSSIER_QUESTIONS = ("tra cứu hồ sơ {code}", "hồ sơ {code} xong chưa", "kiểm tra hồ sơ {code}")
ASK_DIGITS = "Để bảo vệ thông tin, Anh/Chị cho tôi 4 số cuối số điện thoại đăng ký hồ sơ."
LOOKUP_REPLIES = {
    "verified": "Hồ sơ {code} đang được xử lý, dự kiến trả kết quả đúng hẹn.",
    "failed": "Thông tin xác minh chưa khớp với hồ sơ {code}. Anh/Chị vui lòng kiểm tra lại.",
    "locked": "Anh/Chị đã nhập sai nhiều lần nên tạm thời chưa tra cứu được hồ sơ {code}.",
}
HANDOFF_ASKS = ("cho tôi gặp cán bộ", "gặp nhân viên được không", "tôi muốn nói chuyện với người")
HANDOFF_MESSAGES = (
    "hồ sơ của tôi quá hẹn mà chưa có kết quả, nhờ cán bộ kiểm tra giúp",
    "cần hỏi thêm trường hợp đăng ký thường trú cho con",
    "tôi bị mất giấy hẹn, cán bộ liên hệ lại giúp",
    "muốn hỏi về hồ sơ đất đai đang bổ sung",
)
WAIT_FOR_STAFF = "Anh/Chị vui lòng chờ trong giây lát, cán bộ sẽ vào trò chuyện ngay."
DESK_CLOSED = "Hiện chưa có cán bộ trực. Tôi sẽ chuyển lời nhắn để cán bộ liên hệ lại."
ASK_MESSAGE = "Anh/Chị vui lòng nhắn nội dung cần cán bộ hỗ trợ (một tin nhắn)."
ASK_PHONE = "Để cán bộ gọi lại, Anh/Chị cho xin số điện thoại. Nếu không, Anh/Chị nhắn “không”."
MESSAGE_LEFT = "Tôi đã chuyển lời nhắn của Anh/Chị tới cán bộ. Cán bộ sẽ trả lời tại đây."
ASK_COMMUNE = "Sự việc ở phường, xã nào ạ?"
ASK_LOCATION = "Sự việc ở đâu ạ? Anh/Chị ghi số nhà, hẻm, tên đường hoặc một địa điểm gần đó."
PETITION_FILED = "Đã ghi nhận phản ánh của Anh/Chị. Thời hạn xử lý: {days} ngày."
OUT_OF_SCOPE_REASON = "Nội dung không thuộc thẩm quyền giải quyết của thành phố."
RESOLVED_REPLY = "Đơn vị đã kiểm tra và xử lý xong. Cảm ơn Anh/Chị đã phản ánh."
PETITION_TEXTS = {
    "giao_thong": (
        "Mặt đường có ổ gà lớn, xe máy dễ té",
        "Đèn tín hiệu giao thông ở ngã tư không hoạt động",
        "Đường bị sụt lún sau trận mưa",
    ),
    "chieu_sang": ("Đèn đường hỏng mấy hôm nay, buổi tối rất tối", "Cột đèn bị nghiêng sắp đổ"),
    "ve_sinh_moi_truong": (
        "Rác tập kết bừa bãi, bốc mùi hôi",
        "Xe rác không đến thu gom ba ngày nay",
    ),
    "cap_thoat_nuoc": ("Cống thoát nước bị nghẹt, mưa là ngập", "Nước máy đục, có mùi lạ"),
    "trat_tu_do_thi": (
        "Quán lấn chiếm vỉa hè, người đi bộ phải xuống lòng đường",
        "Công trình để vật liệu xây dựng tràn ra đường",
    ),
    "an_ninh_trat_tu": ("Nhóm thanh niên tụ tập gây ồn ào về khuya", "Karaoke mở lớn sau 22 giờ"),
    "thu_tuc_hanh_chinh": ("Hồ sơ quá hẹn mà chưa có kết quả", "Bị hẹn nhiều lần chưa giải quyết"),
    "khac": ("Cây xanh gãy nhánh có nguy cơ rơi xuống đường", "Chó thả rông không rọ mõm"),
}
LOCATIONS = (
    "hẻm 12 đường số 3",
    "trước chợ",
    "gần trường tiểu học",
    "ngã tư gần ủy ban phường",
    "khu dân cư mới",
    "đầu hẻm 51",
)
