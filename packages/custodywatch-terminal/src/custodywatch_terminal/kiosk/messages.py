"""Every string the kiosk shows, in Kazakh, Russian and English, in one table.

One table rather than gettext catalogues: the kiosk has a few dozen strings, no plural forms
(counts are written "Жазба: 5"-style or with the unit after the number) and must never fall back
to English on a Kazakh or Russian page; a test checks that every key has all three.
Terms follow docs/glossary.md (журнал / жазба for the ledger and its entries).
"""

# ruff: noqa: RUF001 - the Kazakh and Russian texts are Cyrillic on purpose.

from __future__ import annotations

LANGUAGES = ("kk", "ru", "en")
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}

# key: (kk, ru, en)
MESSAGES: dict[str, tuple[str, str, str]] = {
    "choose_language": ("Тілді таңдаңыз", "Выберите язык", "Choose your language"),
    "title": ("Құпия шағым", "Конфиденциальная жалоба", "Confidential complaint"),
    "intro": (
        "Мекеме әкімшілігі сіз мұнда жазғанды оқи алмайды және оны кім жазғанын біле алмайды. "
        "Шағымыңыз Ұлттық алдын алу тетігіне, қажет болса Бала құқықтары жөніндегі уәкілге және "
        "прокурорға жіберіледі.",
        "Администрация учреждения не может прочитать то, что вы здесь напишете, и узнать, кто это "
        "написал. Жалоба поступит в Национальный превентивный механизм, а при необходимости — "
        "Уполномоченному по правам ребёнка и прокурору.",
        "The administration of this facility cannot read what you write here or learn who wrote it. "
        "Your complaint goes to the National Preventive Mechanism and, where needed, to the "
        "Children's Rights Commissioner and the prosecutor.",
    ),
    "new_complaint": ("Шағым беру", "Подать жалобу", "Make a complaint"),
    "new_complaint_hint": ("Бірнеше қарапайым сұрақ", "Несколько простых вопросов", "A few simple questions"),
    "urgent": ("Маған қазір қауіп төніп тұр", "Мне сейчас угрожает опасность", "I am in danger now"),
    "urgent_hint": ("Сұрақтар аз, шағым шұғыл жіберіледі", "Меньше вопросов, жалоба отправляется срочно",
                    "Fewer questions, sent as urgent"),
    "follow_up": ("Менде түбіртек коды бар", "У меня есть код квитанции", "I have a receipt code"),
    "follow_up_hint": ("Жауаптарды оқу және хабарлама қосу", "Прочитать ответы и добавить сообщение",
                       "Read replies and add a message"),
    "language": ("Тіл", "Язык", "Language"),
    "start_over": ("Басынан бастау", "Начать заново", "Start over"),
    "next": ("Келесі", "Далее", "Next"),
    "back": ("Артқа", "Назад", "Back"),
    "yes": ("Иә", "Да", "Yes"),
    "no": ("Жоқ", "Нет", "No"),
    "step_of": ("{total} қадамның {step}-қадамы", "Шаг {step} из {total}", "Step {step} of {total}"),
    # the complaint, step by step
    "step_category": ("Шағымыңыз не туралы?", "О чём ваша жалоба?", "What is your complaint about?"),
    "cat_torture": ("Азаптау немесе қатыгез қарау", "Пытки или жестокое обращение", "Torture or ill-treatment"),
    "cat_health": ("Медициналық көмек", "Медицинская помощь", "Health care"),
    "cat_conditions": ("Ұстау жағдайлары", "Условия содержания", "Conditions of detention"),
    "cat_family": ("Отбасымен байланыс", "Связь с семьёй", "Contact with family"),
    "cat_legal_aid": ("Заң көмегі", "Юридическая помощь", "Legal aid"),
    "cat_reprisal": ("Қорқыту немесе қудалау", "Угрозы или преследование", "Threats or reprisals"),
    "cat_other": ("Басқа", "Другое", "Something else"),
    "step_describe": ("Не болғанын айтып беріңіз", "Расскажите, что произошло", "Tell us what happened"),
    "describe_hint": (
        "Жазыңыз немесе дауысыңызды жазып алыңыз: не болды, қашан, қайда, кім.",
        "Напишите или запишите голосом: что случилось, когда, где, кто.",
        "Write, or record your voice: what happened, when, where, who.",
    ),
    "text_label": ("Сіздің сөздеріңіз", "Ваши слова", "Your words"),
    "record": ("Дауысты жазу", "Записать голос", "Record my voice"),
    "stop": ("Тоқтату", "Остановить", "Stop"),
    "recording": ("Жазылып жатыр…", "Идёт запись…", "Recording…"),
    "recorded": ("Дауыс жазбасы дайын", "Голосовая запись готова", "Voice recording ready"),
    "delete_recording": ("Жазбаны жою", "Удалить запись", "Delete the recording"),
    "mic_unavailable": ("Микрофон қолжетімсіз. Жазып жіберіңіз.", "Микрофон недоступен. Пожалуйста, напишите.",
                        "The microphone is not available. Please write instead."),
    "step_you": ("Сіз туралы", "О вас", "About you"),
    "name_q": ("Атыңызды айтқыңыз келе ме?", "Хотите назвать своё имя?", "Do you want to give your name?"),
    "anonymous": ("Жоқ, жасырын қалғым келеді", "Нет, я хочу остаться анонимным", "No, I stay anonymous"),
    "named": ("Иә, атымды айтамын", "Да, назову имя", "Yes, I give my name"),
    "name_label": ("Аты-жөніңіз", "Ваше имя и фамилия", "Your name"),
    "name_hint": (
        "Оны тек шағымыңызды қарайтын қызметкер көреді.",
        "Его увидит только сотрудник, который рассматривает вашу жалобу.",
        "Only the officer who handles your complaint sees it.",
    ),
    "minor_q": ("Сіз 18 жасқа толмағансыз ба?", "Вам меньше 18 лет?", "Are you under 18?"),
    "step_safety": ("Сіздің қауіпсіздігіңіз", "Ваша безопасность", "Your safety"),
    "reprisal_q": (
        "Осы шағым үшін қудалаудан қорқасыз ба?",
        "Боитесь ли вы преследования из-за этой жалобы?",
        "Are you afraid of reprisals because of this complaint?",
    ),
    "risk_none": ("Жоқ", "Нет", "No"),
    "risk_some": ("Аздап", "Немного", "A little"),
    "risk_high": ("Иә, қатты", "Да, очень", "Yes, very much"),
    "risk_unknown": ("Білмеймін", "Не знаю", "I don't know"),
    "visit_q": (
        "Мониторинг тобының мүшесі сізбен оңаша сөйлескенін қалайсыз ба?",
        "Хотите, чтобы член мониторинговой группы поговорил с вами наедине?",
        "Do you want a monitor to talk with you in private?",
    ),
    "step_send": ("Жіберу", "Отправка", "Send"),
    "sealed_note": (
        "«Жіберу» түймесін басқанда шағымыңыз осы терминалда шифрланады: оны тек қадағалау органдары ғана аша алады.",
        "Когда вы нажмёте «Отправить», жалоба будет зашифрована прямо на этом терминале: открыть её смогут "
        "только органы надзора.",
        "When you press Send, your complaint is locked on this terminal: only the oversight bodies can open it.",
    ),
    "send": ("Жіберу", "Отправить", "Send"),
    # the urgent path
    "urgent_title": ("Шұғыл: сізге қауіп төніп тұр", "Срочно: вам угрожает опасность", "Urgent: you are in danger"),
    "urgent_intro": (
        "Не болып жатқанын қысқаша жазыңыз немесе дауысыңызды жазыңыз. Шағым шұғыл ретінде жіберіледі және "
        "мониторинг тобынан сізге келуді сұраймыз.",
        "Коротко напишите, что происходит, или запишите голос. Жалоба уйдёт как срочная, и мониторинговую "
        "группу попросят прийти к вам.",
        "Say in a few words what is happening, or record your voice. The complaint is sent as urgent and a "
        "monitor is asked to come to you.",
    ),
    "urgent_kind": ("Не болып жатыр?", "Что происходит?", "What is happening?"),
    "send_urgent": ("Шұғыл жіберу", "Отправить срочно", "Send urgently"),
    # the receipt
    "receipt_title": ("Шағымыңыз шифрланды және жіберілуде", "Жалоба зашифрована и отправляется",
                      "Your complaint is sealed and on its way"),
    "receipt_code": ("Түбіртек кодыңыз", "Код вашей квитанции", "Your receipt code"),
    "receipt_advice": (
        "Осы кодты жаттап алыңыз. Онымен кез келген терминалда жауаптарды оқып, шағымыңызға хабарлама қоса "
        "аласыз, ал туыстарыңыз қадағалау органының сайтында шағымның барысын біле алады. Кодты басқалар "
        "көретін жерге жазбаңыз: кодты білетін адам жауаптарды оқи алады.",
        "Запомните этот код. С ним вы сможете на любом терминале прочитать ответы и дополнить жалобу, а ваши "
        "родственники — узнать о ходе рассмотрения на сайте органа надзора. Не записывайте код там, где его "
        "увидят другие: кто знает код, тот может прочитать ответы.",
        "Learn this code by heart. With it you can read replies and add to your complaint at any terminal, and "
        "a relative can follow it on the oversight body's website. Do not write it where others can see it: "
        "anyone who knows the code can read the replies.",
    ),
    "receipt_not_kept": (
        "Код басып шығарылмайды және бұл терминалда сақталмайды.",
        "Код не печатается и не хранится на этом терминале.",
        "The code is not printed and is not kept on this terminal.",
    ),
    "delivery_pending": (
        "Сервердің растауы күтілуде. Шағым расталғанша осы терминалда шифрланған күйде сақталады.",
        "Ожидается подтверждение сервера. До подтверждения жалоба хранится на этом терминале в "
        "зашифрованном виде.",
        "Waiting for the server's confirmation. Until then the complaint stays on this terminal, sealed.",
    ),
    "delivered": (
        "Жеткізілді. Ашық журналдағы жазба нөмірі: {index}. Бұл шағымның берілгенін дәлелдейді.",
        "Доставлено. Номер записи в открытом журнале: {index}. Это доказательство того, что жалоба подана.",
        "Delivered. Entry number in the public ledger: {index}. This proves that the complaint was filed.",
    ),
    "finish": ("Аяқтау", "Завершить", "Finish"),
    "done": ("Есте сақтадым — аяқтау", "Я запомнил(а) — завершить", "I have memorised it — finish"),
    # following up
    "follow_title": ("Шағымның барысы", "Ход рассмотрения жалобы", "Follow your complaint"),
    "code_label": ("Түбіртек коды (21 цифр)", "Код квитанции (21 цифра)", "Receipt code (21 digits)"),
    "open": ("Ашу", "Открыть", "Open"),
    "err_code_empty": ("Түбіртек кодын енгізіңіз.", "Введите код квитанции.", "Enter your receipt code."),
    "err_code_character": (
        "{position}-таңба («{character}») цифр емес. Тек цифрларды енгізіңіз.",
        "Знак {position} («{character}») — не цифра. Введите только цифры.",
        "Character {position} (“{character}”) is not a digit. Enter only digits.",
    ),
    "err_code_length": (
        "Кодта {count} цифр бар, ал түбіртек кодында 21 цифр болады.",
        "В коде цифр: {count}, а в коде квитанции их 21.",
        "The code has {count} digits; a receipt code has 21.",
    ),
    "err_code_check": (
        "Код дұрыс емес: бір цифр қате немесе көрші екі цифрдың орны ауысқан. Тексеріп, қайталаңыз.",
        "Код неверен: одна цифра ошибочна или две соседние цифры переставлены. Проверьте и повторите.",
        "The code is not right: a digit is wrong or two neighbouring digits are swapped. Check it and try again.",
    ),
    "err_code_unknown": (
        "Бұл кодпен шағым табылмады. Кодты тексеріңіз.",
        "Жалоба с таким кодом не найдена. Проверьте код.",
        "No complaint was found with this code. Check the code.",
    ),
    "err_rate_limited": (
        "Тым көп әрекет жасалды. Кейінірек қайталаңыз.",
        "Слишком много попыток. Попробуйте позже.",
        "Too many attempts. Please try again later.",
    ),
    "err_offline": (
        "Қазір сервермен байланыс жоқ. Кейінірек қайталаңыз.",
        "Сейчас нет связи с сервером. Попробуйте позже.",
        "The server cannot be reached now. Please try again later.",
    ),
    "thread_status": ("Мәртебесі", "Статус", "Status"),
    "status_received": ("Қабылданды", "Получена", "Received"),
    "status_acknowledged": ("Қарауға алынды", "Принята к рассмотрению", "Acknowledged"),
    "status_under_review": ("Қаралуда", "На рассмотрении", "Under review"),
    "status_visit_requested": ("Сізге бару жоспарланды", "Запланирован визит к вам", "A visit is planned"),
    "status_referred_to_prosecutor": ("Прокурорға жіберілді", "Передана прокурору", "Sent to the prosecutor"),
    "status_resolved": ("Шешілді", "Рассмотрена", "Resolved"),
    "status_rejected": ("Қабылданбады", "Отклонена", "Rejected"),
    "status_unknown": ("Әзірге белгісіз", "Пока неизвестен", "Not known yet"),
    "body_npm": ("Ұлттық алдын алу тетігі", "Национальный превентивный механизм", "National Preventive Mechanism"),
    "body_childrens_ombudsman": ("Бала құқықтары жөніндегі уәкіл", "Уполномоченный по правам ребёнка",
                                 "Children's Rights Commissioner"),
    "body_prosecutor": ("Прокуратура", "Прокуратура", "Prosecutor's office"),
    "body_other": ("Қадағалау органы", "Орган надзора", "Oversight body"),
    "replies": ("Жауаптар", "Ответы", "Replies"),
    "no_replies": ("Әзірге жауап жоқ.", "Ответа пока нет.", "No reply yet."),
    "reply_from": ("{organisation}, {date}", "{organisation}, {date}", "{organisation}, {date}"),
    "your_message": ("Сіздің хабарламаңыз", "Ваше сообщение", "Your message"),
    "your_message_sealed": ("Оны тек қадағалау органдары оқи алады.", "Его могут прочитать только органы надзора.",
                            "Only the oversight bodies can read it."),
    "reply_unreadable": ("Бұл жауапты мұнда ашу мүмкін болмады.", "Этот ответ не удалось открыть здесь.",
                         "This reply could not be opened here."),
    "please_wait": ("Күте тұрыңыз: сервермен байланыс орнатылуда…", "Подождите: идёт связь с сервером…",
                    "Please wait: the terminal is asking the server…"),
    "add_message": ("Хабарлама қосу", "Добавить сообщение", "Add a message"),
    "send_message": ("Хабарламаны жіберу", "Отправить сообщение", "Send the message"),
    "message_sent": ("Хабарламаңыз шифрланды және жіберілуде.", "Сообщение зашифровано и отправляется.",
                     "Your message is sealed and on its way."),
    "filed_entry": ("Ашық журналдағы жазба нөмірі: {index}", "Номер записи в открытом журнале: {index}",
                    "Entry number in the public ledger: {index}"),
    # inactivity
    "still_here": (
        "Сіз әлі осындасыз ба? Экран жақында тазартылады.",
        "Вы ещё здесь? Скоро экран будет очищен.",
        "Are you still there? The screen will be cleared soon.",
    ),
    "continue": ("Иә, жалғастыру", "Да, продолжить", "Yes, continue"),
    # errors in the complaint
    "err_text_required": ("Бірдеңе жазыңыз немесе дауысыңызды жазыңыз.", "Напишите что-нибудь или запишите голос.",
                          "Write something or record your voice."),
    "err_text_too_long": ("Мәтін тым ұзын.", "Текст слишком длинный.", "The text is too long."),
    "err_text_bad_encoding": ("Мәтінде оқылмайтын таңбалар бар.", "В тексте есть нечитаемые знаки.",
                              "The text contains characters that cannot be read."),
    "err_voice_too_long": ("Жазба тым ұзын: ең көбі 3 минут.", "Запись слишком длинная: не больше 3 минут.",
                           "The recording is too long: 3 minutes at most."),
    "err_name_required": ("Атыңызды жазыңыз немесе жасырын қалуды таңдаңыз.",
                          "Напишите своё имя или выберите «анонимно».",
                          "Write your name, or choose to stay anonymous."),
    "err_name_too_long": ("Аты тым ұзын.", "Имя слишком длинное.", "The name is too long."),
    "err_category_required": ("Шағым не туралы екенін таңдаңыз.", "Выберите, о чём жалоба.",
                              "Choose what your complaint is about."),
    "err_form": ("Форманың бір бөлігі қабылданбады. Тексеріп, қайталаңыз.",
                 "Часть формы не принята. Проверьте и повторите.",
                 "Part of the form was not accepted. Please check it and try again."),
    "err_too_large": ("Жіберілгені тым үлкен. Мәтінді қысқартыңыз немесе жазбаны қысқартыңыз.",
                      "Слишком большой объём. Сократите текст или запись.",
                      "What was sent is too large. Shorten the text or the recording."),
    "err_unavailable": (
        "Терминал қазір шағым қабылдай алмайды. Кейінірек қайталаңыз немесе келесі барғанда мониторинг "
        "тобына айтыңыз.",
        "Терминал сейчас не может принять жалобу. Попробуйте позже или скажите мониторинговой группе при "
        "следующем визите.",
        "The terminal cannot accept complaints right now. Please try again later, or tell the monitors on "
        "their next visit.",
    ),
    "not_found": ("Мұндай бет жоқ.", "Такой страницы нет.", "There is no such page."),
}


def t(lang: str, key: str, **values: object) -> str:
    """The string ``key`` in ``lang`` (kk, ru, en), with ``{name}`` placeholders filled."""
    text = MESSAGES[key][LANGUAGES.index(lang)]
    return text.format(**values) if values else text


def number(lang: str, value: int) -> str:
    """An integer in the language's form: 39 161 (kk, ru: no-break space), 39,161 (en)."""
    grouped = f"{value:,}"
    return grouped if lang == "en" else grouped.replace(",", "\u00a0")


def short_datetime(lang: str, value) -> str:
    """26.11.2026 14:05 (kk, ru), 26 Nov 2026, 14:05 (en); 24-hour clock, in local time."""
    local = value.astimezone()
    return local.strftime("%d %b %Y, %H:%M" if lang == "en" else "%d.%m.%Y %H:%M")
