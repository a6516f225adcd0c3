"""Demo catalogue: five courses of the UN-Habitat and Organization of Turkic States cooperation,
each fully translated into English, Turkish, Azerbaijani, Kazakh, Kyrgyz, Uzbek and Russian.

Uzbek uses the official Latin marks: ʻ (U+02BB) in oʻ/gʻ and ʼ (U+02BC) for the tutuq belgisi.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGS = ("en", "tr", "az", "kk", "ky", "uz", "ru")


def t(en: str, tr: str, az: str, kk: str, ky: str, uz: str, ru: str) -> dict[str, str]:
    """One text in the seven languages, in the suite's order."""
    return dict(zip(LANGS, (en, tr, az, kk, ky, uz, ru), strict=True))


@dataclass(frozen=True)
class Question:
    prompt: dict[str, str]
    options: tuple[tuple[dict[str, str], bool], ...]


@dataclass(frozen=True)
class Trainer:
    sub: str
    name: str
    org: str
    locale: str


@dataclass(frozen=True)
class SeedCourse:
    slug: str
    owner: Trainer
    default_language: str
    topics: tuple[str, ...]
    title: dict[str, str]
    summary: dict[str, str]
    module1: dict[str, str]
    lesson1: dict[str, str]
    lesson1_body: dict[str, str]
    handbook: dict[str, str]
    module2: dict[str, str]
    lesson3: dict[str, str]
    lesson3_body: dict[str, str]
    questions: tuple[Question, Question]


TRAINERS = (
    Trainer("seed-trainer-aygun", "Aygün Məmmədova", "AZ", "az"),
    Trainer("seed-trainer-elif", "Elif Yılmaz", "TR", "tr"),
    Trainer("seed-trainer-aizhan", "Айжан Серікова", "KZ", "kk"),
    Trainer("seed-trainer-bakyt", "Бакыт Осмонов", "KG", "ky"),
    Trainer("seed-trainer-dilnoza", "Dilnoza Karimova", "UZ", "uz"),
)

QUIZ_TITLE = t(
    "Check your understanding",
    "Bilginizi sınayın",
    "Biliyinizi yoxlayın",
    "Біліміңізді тексеріңіз",
    "Билимиңизди текшериңиз",
    "Bilimingizni tekshiring",
    "Проверьте себя",
)
ALL_THAT_APPLY = t(
    " (choose all that apply)",
    " (uygun olanların hepsini seçin)",
    " (uyğun olanların hamısını seçin)",
    " (сәйкесінің бәрін таңдаңыз)",
    " (туура келгендердин баарын тандаңыз)",
    " (mos keladiganlarning barchasini tanlang)",
    " (выберите все подходящие)",
)


def multi(prompt: dict[str, str]) -> dict[str, str]:
    return {lang: text + ALL_THAT_APPLY[lang] for lang, text in prompt.items()}


PARTICIPATORY_BUDGETING = SeedCourse(
    slug="participatory-budgeting-for-municipalities",
    owner=TRAINERS[0],
    default_language="en",
    topics=("participatory-budgeting", "municipal-finance"),
    title=t(
        "Participatory Budgeting for Municipalities",
        "Belediyeler için Katılımcı Bütçeleme",
        "Bələdiyyələr üçün iştirakçı büdcə",
        "Муниципалитеттерге арналған қатысымдық бюджет",
        "Муниципалитеттер үчүн катышуучулук бюджет",
        "Munitsipalitetlar uchun ishtirokchi byudjet",
        "Партисипаторное бюджетирование для муниципалитетов",
    ),
    summary=t(
        "How residents can decide together on part of the city budget: designing the cycle, running public votes "
        "and reporting back.",
        "Sakinlerin kent bütçesinin bir bölümüne birlikte nasıl karar verebileceği: döngünün tasarımı, halk "
        "oylaması ve sonuçların raporlanması.",
        "Sakinlər şəhər büdcəsinin bir hissəsi barədə birlikdə necə qərar verə bilər: dövrün qurulması, ictimai "
        "səsvermə və hesabat.",
        "Тұрғындар қала бюджетінің бір бөлігін бірлесіп қалай шеше алады: циклді жобалау, қоғамдық дауыс беру "
        "және есеп беру.",
        "Тургундар шаардын бюджетинин бир бөлүгүн чогуу кантип чече алат: циклди түзүү, коомдук добуш берүү "
        "жана отчет берүү.",
        "Aholi shahar byudjetining bir qismini qanday birgalikda hal qilishi mumkin: siklni loyihalash, ommaviy "
        "ovoz berish va hisobot berish.",
        "Как жители вместе решают судьбу части городского бюджета: построение цикла, публичное голосование и "
        "отчёт о результатах.",
    ),
    module1=t(
        "Why participatory budgeting works",
        "Katılımcı bütçeleme neden işe yarar",
        "İştirakçı büdcə niyə işləyir",
        "Қатысымдық бюджет неге нәтиже береді",
        "Катышуучулук бюджет эмне үчүн натыйжа берет",
        "Ishtirokchi byudjet nega samara beradi",
        "Почему партисипаторное бюджетирование работает",
    ),
    lesson1=t(
        "From Porto Alegre to your city",
        "Porto Alegre'den sizin kentinize",
        "Porto-Aleqredən sizin şəhərinizə",
        "Порту-Алегриден сіздің қалаңызға",
        "Порту-Алегреден сиздин шаарыңызга",
        "Porto-Alegridan sizning shahringizgacha",
        "От Порту-Алегри до вашего города",
    ),
    lesson1_body=t(
        "## A short history\nParticipatory budgeting began in **Porto Alegre, Brazil, in 1989**. Today thousands of "
        "cities let residents propose and vote on projects funded from a share of the municipal budget.\n\n"
        "- residents propose ideas\n- municipal staff check cost and feasibility\n"
        "- residents vote; the winning projects are built",
        "## Kısa bir tarihçe\nKatılımcı bütçeleme **1989'da Brezilya'nın Porto Alegre kentinde** başladı. Bugün "
        "binlerce kent, sakinlerinin belediye bütçesinin bir payıyla finanse edilen projeleri önermesine ve "
        "oylamasına olanak tanıyor.\n\n- sakinler fikir önerir\n- belediye personeli maliyet ve uygulanabilirliği "
        "inceler\n- sakinler oy verir; kazanan projeler hayata geçirilir",
        "## Qısa tarix\nİştirakçı büdcə **1989-cu ildə Braziliyanın Porto-Aleqre şəhərində** başlayıb. Bu gün "
        "minlərlə şəhər sakinlərə bələdiyyə büdcəsinin bir payı hesabına maliyyələşən layihələr təklif etməyə və "
        "onlara səs verməyə imkan verir.\n\n- sakinlər ideya təklif edir\n- bələdiyyə əməkdaşları xərci və icra "
        "imkanını yoxlayır\n- sakinlər səs verir; qalib layihələr həyata keçirilir",
        "## Қысқаша тарих\nҚатысымдық бюджет **1989 жылы Бразилияның Порту-Алегри қаласында** басталды. Бүгінде "
        "мыңдаған қала тұрғындарына муниципалдық бюджеттің бір үлесінен қаржыландырылатын жобаларды ұсынуға және "
        "оларға дауыс беруге мүмкіндік береді.\n\n- тұрғындар идея ұсынады\n- әкімдік мамандары құны мен "
        "орындалуын тексереді\n- тұрғындар дауыс береді; жеңген жобалар жүзеге асырылады",
        "## Кыскача тарых\nКатышуучулук бюджет **1989-жылы Бразилиянын Порту-Алегре шаарында** башталган. Бүгүн "
        "миңдеген шаарлар тургундарга муниципалдык бюджеттин бир үлүшүнөн каржыланган долбоорлорду сунуштоого "
        "жана аларга добуш берүүгө мүмкүнчүлүк берет.\n\n- тургундар идея сунушташат\n- мэриянын адистери наркын "
        "жана аткарылышын текшеришет\n- тургундар добуш беришет; жеңген долбоорлор ишке ашырылат",
        "## Qisqacha tarix\nIshtirokchi byudjet **1989-yilda Braziliyaning Porto-Alegri shahrida** boshlangan. "
        "Bugun minglab shaharlar aholiga munitsipal byudjet ulushidan moliyalashtiriladigan loyihalarni taklif "
        "qilish va ularga ovoz berish imkonini beradi.\n\n- aholi gʻoyalar taklif qiladi\n- hokimiyat xodimlari "
        "xarajat va amalga oshirish imkoniyatini tekshiradi\n- aholi ovoz beradi; gʻolib loyihalar amalga oshiriladi",
        "## Краткая история\nПартисипаторное бюджетирование появилось **в 1989 году в бразильском Порту-Алегри**. "
        "Сегодня тысячи городов позволяют жителям предлагать проекты и голосовать за них, финансируя их из доли "
        "муниципального бюджета.\n\n- жители предлагают идеи\n- специалисты администрации проверяют стоимость и "
        "реализуемость\n- жители голосуют; проекты-победители воплощаются",
    ),
    handbook=t(
        "Handbook: the participatory budgeting cycle",
        "El kitabı: katılımcı bütçeleme döngüsü",
        "Bələdçi: iştirakçı büdcə dövrü",
        "Нұсқаулық: қатысымдық бюджет циклі",
        "Колдонмо: катышуучулук бюджеттин цикли",
        "Qoʻllanma: ishtirokchi byudjet sikli",
        "Пособие: цикл партисипаторного бюджетирования",
    ),
    module2=t(
        "Running a cycle",
        "Bir döngüyü yürütmek",
        "Dövrün aparılması",
        "Циклді жүргізу",
        "Циклди жүргүзүү",
        "Siklni oʻtkazish",
        "Проведение цикла",
    ),
    lesson3=t(
        "Voting and reporting back",
        "Oylama ve geri bildirim",
        "Səsvermə və hesabat",
        "Дауыс беру және есеп беру",
        "Добуш берүү жана отчет берүү",
        "Ovoz berish va hisobot",
        "Голосование и обратная связь",
    ),
    lesson3_body=t(
        "Open the vote **online and at polling points** in neighbourhood centres so that older residents can take "
        "part. Publish the results, the budget of every winning project and a timeline; then report progress every "
        "quarter. Trust grows when people see their projects built.",
        "Yaşlı sakinlerin de katılabilmesi için oylamayı **çevrim içi ve mahalle merkezlerindeki sandıklarda** "
        "açın. Sonuçları, kazanan her projenin bütçesini ve takvimini yayımlayın; ardından her çeyrekte ilerlemeyi "
        "raporlayın. İnsanlar projelerinin yapıldığını gördükçe güven artar.",
        "Yaşlı sakinlər də iştirak edə bilsin deyə səsverməni **onlayn və məhəllə mərkəzlərindəki məntəqələrdə** "
        "açın. Nəticələri, hər qalib layihənin büdcəsini və təqvimini dərc edin; sonra hər rüb irəliləyiş barədə "
        "hesabat verin. İnsanlar layihələrinin tikildiyini gördükcə etimad artır.",
        "Егде тұрғындар да қатыса алуы үшін дауыс беруді **онлайн және аудандық орталықтардағы пункттерде** "
        "ашыңыз. Нәтижелерді, әр жеңімпаз жобаның бюджеті мен кестесін жариялаңыз; содан кейін әр тоқсан сайын "
        "барысы туралы есеп беріңіз. Адамдар өз жобаларының салынғанын көрген сайын сенім артады.",
        "Улгайган тургундар да катыша алышы үчүн добуш берүүнү **онлайн жана райондук борборлордогу "
        "пункттарда** ачыңыз. Жыйынтыктарды, ар бир жеңген долбоордун бюджетин жана графигин жарыялаңыз; андан "
        "кийин ар бир чейрек сайын жүрүшү боюнча отчет бериңиз. Адамдар өз долбоорлорунун курулганын көргөн сайын "
        "ишеним артат.",
        "Keksa aholi ham qatnasha olishi uchun ovoz berishni **onlayn va mahalla markazlaridagi punktlarda** "
        "oching. Natijalarni, har bir gʻolib loyihaning byudjeti va jadvalini eʼlon qiling; soʻngra har chorakda "
        "borishi haqida hisobot bering. Odamlar oʻz loyihalari qurilganini koʻrgan sari ishonch ortadi.",
        "Откройте голосование **онлайн и на участках в районных центрах**, чтобы могли участвовать и пожилые "
        "жители. Опубликуйте итоги, бюджет и сроки каждого проекта-победителя, а затем ежеквартально "
        "отчитывайтесь о ходе работ. Доверие растёт, когда люди видят, что их проекты построены.",
    ),
    questions=(
        Question(
            t(
                "Where did participatory budgeting begin?",
                "Katılımcı bütçeleme nerede başladı?",
                "İştirakçı büdcə harada başlayıb?",
                "Қатысымдық бюджет қай жерде басталды?",
                "Катышуучулук бюджет кайсы жерде башталган?",
                "Ishtirokchi byudjet qayerda boshlangan?",
                "Где появилось партисипаторное бюджетирование?",
            ),
            (
                (
                    t(
                        "Porto Alegre, Brazil",
                        "Porto Alegre, Brezilya",
                        "Porto-Aleqre, Braziliya",
                        "Порту-Алегри, Бразилия",
                        "Порту-Алегре, Бразилия",
                        "Porto-Alegri, Braziliya",
                        "Порту-Алегри, Бразилия",
                    ),
                    True,
                ),
                (
                    t(
                        "Nairobi, Kenya",
                        "Nairobi, Kenya",
                        "Nayrobi, Keniya",
                        "Найроби, Кения",
                        "Найроби, Кения",
                        "Nayrobi, Keniya",
                        "Найроби, Кения",
                    ),
                    False,
                ),
                (
                    t(
                        "Vienna, Austria",
                        "Viyana, Avusturya",
                        "Vyana, Avstriya",
                        "Вена, Австрия",
                        "Вена, Австрия",
                        "Vena, Avstriya",
                        "Вена, Австрия",
                    ),
                    False,
                ),
            ),
        ),
        Question(
            multi(
                t(
                    "Which steps build residents' trust?",
                    "Hangi adımlar sakinlerin güvenini artırır?",
                    "Hansı addımlar sakinlərin etimadını artırır?",
                    "Қай қадамдар тұрғындардың сенімін арттырады?",
                    "Кайсы кадамдар тургундардын ишенимин арттырат?",
                    "Qaysi qadamlar aholining ishonchini oshiradi?",
                    "Какие шаги укрепляют доверие жителей?",
                )
            ),
            (
                (
                    t(
                        "Publishing the results and budgets",
                        "Sonuçları ve bütçeleri yayımlamak",
                        "Nəticələri və büdcələri dərc etmək",
                        "Нәтижелер мен бюджеттерді жариялау",
                        "Жыйынтыктарды жана бюджеттерди жарыялоо",
                        "Natijalar va byudjetlarni eʼlon qilish",
                        "Публикация итогов и бюджетов",
                    ),
                    True,
                ),
                (
                    t(
                        "Quarterly progress reports",
                        "Üç aylık ilerleme raporları",
                        "Rüblük irəliləyiş hesabatları",
                        "Тоқсандық есептер",
                        "Чейректик отчеттор",
                        "Choraklik hisobotlar",
                        "Ежеквартальные отчёты о ходе работ",
                    ),
                    True,
                ),
                (
                    t(
                        "Choosing the winners behind closed doors",
                        "Kazananları kapalı kapılar ardında seçmek",
                        "Qalibləri qapalı qapılar arxasında seçmək",
                        "Жеңімпаздарды жабық есік жағдайында таңдау",
                        "Жеңүүчүлөрдү жабык эшик артында тандоо",
                        "Gʻoliblarni yopiq eshiklar ortida tanlash",
                        "Выбор победителей за закрытыми дверями",
                    ),
                    False,
                ),
            ),
        ),
    ),
)

CITY_GOVERNANCE = SeedCourse(
    slug="city-level-governance-and-accountability",
    owner=TRAINERS[1],
    default_language="tr",
    topics=("governance", "transparency"),
    title=t(
        "City-Level Governance and Accountability",
        "Kent Düzeyinde Yönetişim ve Hesap Verebilirlik",
        "Şəhər səviyyəsində idarəetmə və hesabatlılıq",
        "Қала деңгейіндегі басқару және есептілік",
        "Шаар деңгээлиндеги башкаруу жана отчеттуулук",
        "Shahar darajasidagi boshqaruv va hisobdorlik",
        "Городское управление и подотчётность",
    ),
    summary=t(
        "Roles of the mayor, the council and residents; open data, public hearings and multi-level coordination "
        "with national ministries.",
        "Belediye başkanının, meclisin ve sakinlerin rolleri; açık veri, halka açık toplantılar ve ulusal "
        "bakanlıklarla çok düzeyli eşgüdüm.",
        "Bələdiyyə sədrinin, şuranın və sakinlərin rolları; açıq məlumat, ictimai dinləmələr və milli "
        "nazirliklərlə çoxsəviyyəli əlaqələndirmə.",
        "Әкімнің, мәслихаттың және тұрғындардың рөлі; ашық деректер, қоғамдық тыңдаулар және ұлттық "
        "министрліктермен көпдеңгейлі үйлестіру.",
        "Мэрдин, кеңештин жана тургундардын ролдору; ачык маалыматтар, коомдук угуулар жана улуттук "
        "министрликтер менен көп деңгээлдүү координация.",
        "Hokim, kengash va aholining roli; ochiq maʼlumotlar, jamoatchilik eshituvlari va milliy vazirliklar bilan "
        "koʻp darajali muvofiqlashtirish.",
        "Роли мэра, совета и жителей; открытые данные, публичные слушания и многоуровневая координация с "
        "министерствами.",
    ),
    module1=t(
        "Who decides what in a city",
        "Kentte kim neye karar verir",
        "Şəhərdə kim nəyə qərar verir",
        "Қалада кім не шешеді",
        "Шаарда ким эмнени чечет",
        "Shaharda kim nimani hal qiladi",
        "Кто и что решает в городе",
    ),
    lesson1=t(
        "Mandates and multi-level governance",
        "Yetkiler ve çok düzeyli yönetişim",
        "Səlahiyyətlər və çoxsəviyyəli idarəetmə",
        "Өкілеттіктер және көпдеңгейлі басқару",
        "Ыйгарым укуктар жана көп деңгээлдүү башкаруу",
        "Vakolatlar va koʻp darajali boshqaruv",
        "Полномочия и многоуровневое управление",
    ),
    lesson1_body=t(
        "## Mandates\nA city can only deliver what its **mandate and budget** allow. Map each service — water, "
        "transport, schools, waste — to the level of government that plans it, funds it and runs it.\n\n"
        "> UN-Habitat's *International Guidelines on Decentralization* recommend that responsibilities and "
        "resources travel together.",
        "## Yetkiler\nBir kent ancak **yetkisi ve bütçesi** ölçüsünde hizmet verebilir. Su, ulaşım, okullar, atık "
        "gibi her hizmeti planlayan, finanse eden ve yürüten yönetim düzeyiyle eşleştirin.\n\n> UN-Habitat'ın "
        "*Yerinden Yönetim Uluslararası Kılavuzu*, sorumluluk ve kaynakların birlikte aktarılmasını önerir.",
        "## Səlahiyyətlər\nŞəhər yalnız **səlahiyyəti və büdcəsi** imkan verdiyi qədər xidmət göstərə bilər. Su, "
        "nəqliyyat, məktəblər, tullantılar kimi hər xidməti onu planlaşdıran, maliyyələşdirən və idarə edən "
        "hökumət səviyyəsi ilə əlaqələndirin.\n\n> UN-Habitat-ın *Mərkəzsizləşdirmə üzrə Beynəlxalq Təlimatları* "
        "məsuliyyət və resursların birlikdə ötürülməsini tövsiyə edir.",
        "## Өкілеттіктер\nҚала тек **өкілеттігі мен бюджеті** мүмкіндік беретін қызметті ғана көрсете алады. Су, "
        "көлік, мектептер, қалдықтар сияқты әр қызметті оны жоспарлайтын, қаржыландыратын және басқаратын билік "
        "деңгейімен сәйкестендіріңіз.\n\n> UN-Habitat-тың *Орталықсыздандыру жөніндегі халықаралық нұсқаулығы* "
        "жауапкершілік пен ресурстарды бірге беруді ұсынады.",
        "## Ыйгарым укуктар\nШаар **ыйгарым укугу жана бюджети** жол берген кызматтарды гана көрсөтө алат. Суу, "
        "транспорт, мектептер, таштандылар сыяктуу ар бир кызматты аны пландаган, каржылаган жана башкарган "
        "бийлик деңгээли менен байланыштырыңыз.\n\n> UN-Habitatтын *Борбордон ажыратуу боюнча эл аралык "
        "колдонмосу* жоопкерчилик менен ресурстарды бирге өткөрүүнү сунуштайт.",
        "## Vakolatlar\nShahar faqat **vakolati va byudjeti** imkon bergan xizmatlarni koʻrsata oladi. Suv, "
        "transport, maktablar, chiqindilar kabi har bir xizmatni uni rejalashtiradigan, moliyalashtiradigan va "
        "boshqaradigan hokimiyat darajasi bilan bogʻlang.\n\n> UN-Habitatning *Markazsizlashtirish boʻyicha "
        "xalqaro yoʻriqnomasi* masʼuliyat va resurslarni birga berishni tavsiya qiladi.",
        "## Полномочия\nГород может оказывать лишь те услуги, которые позволяют его **полномочия и бюджет**. "
        "Сопоставьте каждую услугу — водоснабжение, транспорт, школы, отходы — с уровнем власти, который её "
        "планирует, финансирует и обеспечивает.\n\n> *Международные руководящие принципы по децентрализации* "
        "ООН-Хабитат рекомендуют передавать ответственность вместе с ресурсами.",
    ),
    handbook=t(
        "Handbook: open city council meetings",
        "El kitabı: halka açık meclis toplantıları",
        "Bələdçi: açıq şura iclasları",
        "Нұсқаулық: ашық мәслихат отырыстары",
        "Колдонмо: ачык кеңеш жыйындары",
        "Qoʻllanma: ochiq kengash yigʻilishlari",
        "Пособие: открытые заседания городского совета",
    ),
    module2=t(
        "Transparency in practice",
        "Uygulamada şeffaflık",
        "Təcrübədə şəffaflıq",
        "Іс жүзіндегі ашықтық",
        "Иш жүзүндөгү ачыктык",
        "Amalda shaffoflik",
        "Прозрачность на практике",
    ),
    lesson3=t(
        "Open data and public hearings",
        "Açık veri ve halka açık toplantılar",
        "Açıq məlumat və ictimai dinləmələr",
        "Ашық деректер және қоғамдық тыңдаулар",
        "Ачык маалыматтар жана коомдук угуулар",
        "Ochiq maʼlumotlar va jamoatchilik eshituvlari",
        "Открытые данные и публичные слушания",
    ),
    lesson3_body=t(
        "Publish the budget, procurement contracts and council decisions as **open data** in machine-readable "
        "formats. Announce public hearings at least two weeks ahead, hold them at hours working people can attend, "
        "and publish the minutes with the answers given.",
        "Bütçeyi, ihale sözleşmelerini ve meclis kararlarını makinece okunabilir biçimde **açık veri** olarak "
        "yayımlayın. Halka açık toplantıları en az iki hafta önceden duyurun, çalışanların katılabileceği "
        "saatlerde yapın ve verilen yanıtlarla birlikte tutanakları yayımlayın.",
        "Büdcəni, satınalma müqavilələrini və şura qərarlarını maşınla oxuna bilən formatda **açıq məlumat** kimi "
        "dərc edin. İctimai dinləmələri ən azı iki həftə əvvəl elan edin, işləyən insanların gələ biləcəyi "
        "saatlarda keçirin və verilən cavablarla birlikdə protokolları dərc edin.",
        "Бюджетті, сатып алу келісімшарттарын және мәслихат шешімдерін машина оқи алатын пішімде **ашық "
        "деректер** ретінде жариялаңыз. Қоғамдық тыңдауларды кемінде екі апта бұрын хабарлаңыз, жұмыс істейтін "
        "адамдар келе алатын уақытта өткізіңіз және берілген жауаптармен бірге хаттамаларды жариялаңыз.",
        "Бюджетти, сатып алуу келишимдерин жана кеңештин чечимдерин машина окуй ала турган форматта **ачык "
        "маалымат** катары жарыялаңыз. Коомдук угууларды эң аз эки жума мурун жарыялаңыз, иштеген адамдар келе "
        "ала турган убакта өткөрүңүз жана берилген жооптор менен бирге протоколдорду жарыялаңыз.",
        "Byudjet, xarid shartnomalari va kengash qarorlarini mashina oʻqiy oladigan formatda **ochiq maʼlumot** "
        "sifatida eʼlon qiling. Jamoatchilik eshituvlarini kamida ikki hafta oldin eʼlon qiling, ishlaydigan "
        "odamlar kela oladigan vaqtda oʻtkazing va berilgan javoblar bilan birga bayonnomalarni eʼlon qiling.",
        "Публикуйте бюджет, контракты на закупки и решения совета как **открытые данные** в машиночитаемых "
        "форматах. Объявляйте публичные слушания не менее чем за две недели, проводите их в часы, удобные для "
        "работающих людей, и публикуйте протоколы с данными ответами.",
    ),
    questions=(
        Question(
            t(
                "How early should a public hearing be announced?",
                "Halka açık bir toplantı ne kadar önceden duyurulmalıdır?",
                "İctimai dinləmə nə qədər əvvəl elan edilməlidir?",
                "Қоғамдық тыңдау қанша уақыт бұрын хабарлануы керек?",
                "Коомдук угуу канча убакыт мурун жарыяланышы керек?",
                "Jamoatchilik eshituvi qancha oldin eʼlon qilinishi kerak?",
                "За какой срок нужно объявлять публичные слушания?",
            ),
            (
                (
                    t(
                        "The day before",
                        "Bir gün önce",
                        "Bir gün əvvəl",
                        "Бір күн бұрын",
                        "Бир күн мурун",
                        "Bir kun oldin",
                        "Накануне",
                    ),
                    False,
                ),
                (
                    t(
                        "At least two weeks ahead",
                        "En az iki hafta önceden",
                        "Ən azı iki həftə əvvəl",
                        "Кемінде екі апта бұрын",
                        "Эң аз эки жума мурун",
                        "Kamida ikki hafta oldin",
                        "Не менее чем за две недели",
                    ),
                    True,
                ),
                (
                    t(
                        "Only after the decision",
                        "Yalnızca karardan sonra",
                        "Yalnız qərardan sonra",
                        "Тек шешім қабылданғаннан кейін",
                        "Чечим кабыл алынгандан кийин гана",
                        "Faqat qaror qabul qilingandan keyin",
                        "Только после принятия решения",
                    ),
                    False,
                ),
            ),
        ),
        Question(
            multi(
                t(
                    "Which documents should a city publish as open data?",
                    "Bir kent hangi belgeleri açık veri olarak yayımlamalıdır?",
                    "Şəhər hansı sənədləri açıq məlumat kimi dərc etməlidir?",
                    "Қала қандай құжаттарды ашық деректер ретінде жариялауы керек?",
                    "Шаар кайсы документтерди ачык маалымат катары жарыялашы керек?",
                    "Shahar qaysi hujjatlarni ochiq maʼlumot sifatida eʼlon qilishi kerak?",
                    "Какие документы город должен публиковать как открытые данные?",
                )
            ),
            (
                (t("The budget", "Bütçe", "Büdcə", "Бюджет", "Бюджет", "Byudjet", "Бюджет"), True),
                (
                    t(
                        "Procurement contracts",
                        "İhale sözleşmeleri",
                        "Satınalma müqavilələri",
                        "Сатып алу келісімшарттары",
                        "Сатып алуу келишимдери",
                        "Xarid shartnomalari",
                        "Контракты на закупки",
                    ),
                    True,
                ),
                (
                    t(
                        "Residents' private addresses",
                        "Sakinlerin özel adresleri",
                        "Sakinlərin şəxsi ünvanları",
                        "Тұрғындардың жеке мекенжайлары",
                        "Тургундардын жеке даректери",
                        "Aholining shaxsiy manzillari",
                        "Личные адреса жителей",
                    ),
                    False,
                ),
            ),
        ),
    ),
)

AFFORDABLE_HOUSING = SeedCourse(
    slug="adequate-and-affordable-housing",
    owner=TRAINERS[2],
    default_language="kk",
    topics=("housing",),
    title=t(
        "Adequate and Affordable Housing",
        "Yeterli ve Karşılanabilir Konut",
        "Layiqli və əlçatan mənzil",
        "Лайықты әрі қолжетімді тұрғын үй",
        "Татыктуу жана жеткиликтүү турак жай",
        "Munosib va hamyonbop uy-joy",
        "Достойное и доступное жильё",
    ),
    summary=t(
        "The seven criteria of adequate housing, measuring affordability, and upgrading informal settlements with "
        "their residents.",
        "Yeterli konutun yedi ölçütü, karşılanabilirliğin ölçülmesi ve gayriresmî yerleşimlerin sakinleriyle "
        "birlikte iyileştirilmesi.",
        "Layiqli mənzilin yeddi meyarı, əlçatanlığın ölçülməsi və qeyri-rəsmi yaşayış məntəqələrinin sakinlərlə "
        "birlikdə yaxşılaşdırılması.",
        "Лайықты тұрғын үйдің жеті өлшемі, қолжетімділікті өлшеу және бейресми қоныстарды тұрғындармен бірге жаңарту.",
        "Татыктуу турак жайдын жети критерийи, жеткиликтүүлүктү өлчөө жана расмий эмес конуштарды тургундар "
        "менен бирге жакшыртуу.",
        "Munosib uy-joyning yetti mezoni, hamyonboplikni oʻlchash va norasmiy turar-joylarni aholi bilan birga "
        "obodonlashtirish.",
        "Семь критериев достойного жилья, измерение доступности и благоустройство неформальных поселений вместе "
        "с жителями.",
    ),
    module1=t(
        "What makes housing adequate",
        "Konutu yeterli kılan nedir",
        "Mənzili layiqli edən nədir",
        "Тұрғын үйді лайықты ететін не",
        "Турак жайды татыктуу кылган эмне",
        "Uy-joyni munosib qiladigan narsa",
        "Что делает жильё достойным",
    ),
    lesson1=t(
        "Seven criteria", "Yedi ölçüt", "Yeddi meyar", "Жеті өлшем", "Жети критерий", "Yetti mezon", "Семь критериев"
    ),
    lesson1_body=t(
        "## Adequate housing\nUN-Habitat and the UN human rights system name seven criteria: **security of tenure; "
        "services and infrastructure; affordability; habitability; accessibility; location; cultural adequacy**. "
        "A flat that is cheap but far from jobs and schools is not adequate.",
        "## Yeterli konut\nUN-Habitat ve BM insan hakları sistemi yedi ölçüt sayar: **kullanım güvencesi; "
        "hizmetler ve altyapı; karşılanabilirlik; yaşanabilirlik; erişilebilirlik; konum; kültürel uygunluk**. "
        "Ucuz ama işlere ve okullara uzak bir daire yeterli değildir.",
        "## Layiqli mənzil\nUN-Habitat və BMT-nin insan hüquqları sistemi yeddi meyar göstərir: **istifadə "
        "hüququnun təminatı; xidmətlər və infrastruktur; qiymət əlçatanlığı; yaşayış üçün yararlılıq; fiziki "
        "əlçatanlıq; yerləşmə; mədəni uyğunluq**. Ucuz, lakin iş yerlərindən və məktəblərdən uzaq mənzil layiqli "
        "deyil.",
        "## Лайықты тұрғын үй\nUN-Habitat және БҰҰ адам құқықтары жүйесі жеті өлшемді атайды: **иелену "
        "кепілдігі; қызметтер мен инфрақұрылым; қолжетімді баға; тұруға жарамдылық; қолжетімділік; орналасуы; "
        "мәдени сәйкестік**. Арзан, бірақ жұмыс орындары мен мектептерден алыс пәтер лайықты емес.",
        "## Татыктуу турак жай\nUN-Habitat жана БУУнун адам укуктары системасы жети критерийди белгилейт: "
        "**ээлик кылуунун кепилдиги; кызматтар жана инфраструктура; баанын жеткиликтүүлүгү; жашоого "
        "ылайыктуулук; жеткиликтүүлүк; жайгашкан жери; маданий ылайыктуулук**. Арзан, бирок жумуш орундарынан "
        "жана мектептерден алыс батир татыктуу эмес.",
        "## Munosib uy-joy\nUN-Habitat va BMTning inson huquqlari tizimi yetti mezonni sanaydi: **egalik kafolati; "
        "xizmatlar va infratuzilma; hamyonboplik; yashashga yaroqlilik; foydalanish qulayligi; joylashuv; madaniy "
        "muvofiqlik**. Arzon, lekin ish joylari va maktablardan uzoq kvartira munosib emas.",
        "## Достойное жильё\nООН-Хабитат и система ООН по правам человека называют семь критериев: **гарантия "
        "владения; услуги и инфраструктура; ценовая доступность; пригодность для проживания; физическая "
        "доступность; местоположение; культурная приемлемость**. Дешёвая квартира вдали от работы и школ не "
        "является достойной.",
    ),
    handbook=t(
        "Handbook: housing needs assessment",
        "El kitabı: konut ihtiyaç analizi",
        "Bələdçi: mənzil ehtiyaclarının qiymətləndirilməsi",
        "Нұсқаулық: тұрғын үй қажеттілігін бағалау",
        "Колдонмо: турак жайга болгон муктаждыкты баалоо",
        "Qoʻllanma: uy-joyga ehtiyojni baholash",
        "Пособие: оценка жилищных потребностей",
    ),
    module2=t(
        "Affordability and upgrading",
        "Karşılanabilirlik ve iyileştirme",
        "Əlçatanlıq və yaxşılaşdırma",
        "Қолжетімділік және жаңарту",
        "Жеткиликтүүлүк жана жакшыртуу",
        "Hamyonboplik va obodonlashtirish",
        "Доступность и благоустройство",
    ),
    lesson3=t(
        "Measuring affordability",
        "Karşılanabilirliği ölçmek",
        "Əlçatanlığın ölçülməsi",
        "Қолжетімділікті өлшеу",
        "Жеткиликтүүлүктү өлчөө",
        "Hamyonboplikni oʻlchash",
        "Как измерить доступность",
    ),
    lesson3_body=t(
        "A common rule of thumb: a household should not spend **more than 30% of its income** on housing costs. "
        "Compare the median house price with the median annual household income (the *price-to-income ratio*) "
        "and track it district by district.",
        "Yaygın bir kural: bir hane konut giderlerine **gelirinin %30'undan fazlasını** harcamamalıdır. Medyan "
        "konut fiyatını medyan yıllık hane geliriyle karşılaştırın (*fiyat-gelir oranı*) ve bunu ilçe ilçe "
        "izleyin.",
        "Geniş yayılmış qayda: ailə mənzil xərclərinə **gəlirinin 30%-dən çoxunu** xərcləməməlidir. Median mənzil "
        "qiymətini ailənin median illik gəliri ilə müqayisə edin (*qiymət-gəlir nisbəti*) və bunu rayon-rayon "
        "izləyin.",
        "Жиі қолданылатын ереже: үй шаруашылығы тұрғын үй шығындарына **табысының 30%-ынан артығын** жұмсамауы "
        "керек. Тұрғын үйдің медианалық бағасын үй шаруашылығының медианалық жылдық табысымен салыстырыңыз "
        "(*баға мен табыс арақатынасы*) және оны аудан бойынша бақылаңыз.",
        "Кеңири колдонулган эреже: үй-бүлө турак жай чыгымдарына **кирешесинин 30%ынан ашыгын** сарптабашы "
        "керек. Турак жайдын медианалык баасын үй-бүлөнүн медианалык жылдык кирешеси менен салыштырыңыз (*баа "
        "менен кирешенин катышы*) жана аны район боюнча көзөмөлдөңүз.",
        "Keng tarqalgan qoida: xonadon uy-joy xarajatlariga **daromadining 30 foizidan koʻpini** sarflamasligi "
        "kerak. Uy-joyning median narxini xonadonning median yillik daromadi bilan solishtiring (*narx va daromad "
        "nisbati*) va uni tuman kesimida kuzatib boring.",
        "Распространённое правило: домохозяйство не должно тратить на жильё **более 30% дохода**. Сравнивайте "
        "медианную цену жилья с медианным годовым доходом домохозяйства (*отношение цены к доходу*) и "
        "отслеживайте его по районам.",
    ),
    questions=(
        Question(
            t(
                "Which share of income spent on housing is commonly taken as the limit of affordability?",
                "Konuta harcanan gelirin hangi payı genellikle karşılanabilirliğin sınırı kabul edilir?",
                "Mənzilə xərclənən gəlirin hansı payı adətən əlçatanlığın həddi sayılır?",
                "Тұрғын үйге жұмсалатын табыстың қандай үлесі әдетте қолжетімділіктің шегі саналады?",
                "Турак жайга сарпталган кирешенин кайсы үлүшү адатта жеткиликтүүлүктүн чеги деп эсептелет?",
                "Uy-joyga sarflanadigan daromadning qaysi ulushi odatda hamyonboplik chegarasi hisoblanadi?",
                "Какая доля дохода на жильё обычно считается границей доступности?",
            ),
            (
                (t("10%", "%10", "10%", "10%", "10%", "10%", "10%"), False),
                (t("30%", "%30", "30%", "30%", "30%", "30%", "30%"), True),
                (t("60%", "%60", "60%", "60%", "60%", "60%", "60%"), False),
            ),
        ),
        Question(
            multi(
                t(
                    "Which of these are criteria of adequate housing?",
                    "Bunlardan hangileri yeterli konutun ölçütleridir?",
                    "Bunlardan hansılar layiqli mənzilin meyarlarıdır?",
                    "Бұлардың қайсысы лайықты тұрғын үйдің өлшемдері?",
                    "Булардын кайсылары татыктуу турак жайдын критерийлери?",
                    "Ulardan qaysilari munosib uy-joy mezonlari hisoblanadi?",
                    "Что из этого относится к критериям достойного жилья?",
                )
            ),
            (
                (
                    t(
                        "Security of tenure",
                        "Kullanım güvencesi",
                        "İstifadə hüququnun təminatı",
                        "Иелену кепілдігі",
                        "Ээлик кылуунун кепилдиги",
                        "Egalik kafolati",
                        "Гарантия владения",
                    ),
                    True,
                ),
                (
                    t(
                        "A location close to jobs and services",
                        "İşlere ve hizmetlere yakın bir konum",
                        "İş yerlərinə və xidmətlərə yaxın yerləşmə",
                        "Жұмыс пен қызметтерге жақын орналасу",
                        "Жумушка жана кызматтарга жакын жайгашуу",
                        "Ish joylari va xizmatlarga yaqin joylashuv",
                        "Близость к работе и услугам",
                    ),
                    True,
                ),
                (
                    t(
                        "A luxury finish",
                        "Lüks iç tasarım",
                        "Dəbdəbəli təmir",
                        "Сәнді әрлеу",
                        "Кымбат жасалга",
                        "Hashamatli taʼmir",
                        "Роскошная отделка",
                    ),
                    False,
                ),
            ),
        ),
    ),
)

CLIMATE_ADAPTATION = SeedCourse(
    slug="climate-adaptation-for-cities",
    owner=TRAINERS[3],
    default_language="az",
    topics=("climate-adaptation", "resilience"),
    title=t(
        "Climate Adaptation for Cities",
        "Kentler için İklim Uyumu",
        "Şəhərlər üçün iqlimə uyğunlaşma",
        "Қалалардың климатқа бейімделуі",
        "Шаарлардын климатка ыңгайлашуусу",
        "Shaharlarning iqlimga moslashuvi",
        "Адаптация городов к изменению климата",
    ),
    summary=t(
        "Heat waves, floods and droughts: assessing climate risk, planning green and blue infrastructure, and "
        "protecting the most vulnerable residents.",
        "Sıcak hava dalgaları, seller ve kuraklık: iklim riskinin değerlendirilmesi, yeşil ve mavi altyapının "
        "planlanması ve en kırılgan sakinlerin korunması.",
        "İsti dalğaları, daşqınlar və quraqlıq: iqlim riskinin qiymətləndirilməsi, yaşıl və mavi infrastrukturun "
        "planlaşdırılması və ən həssas sakinlərin qorunması.",
        "Аптап ыстық, су тасқыны және құрғақшылық: климаттық тәуекелді бағалау, жасыл және көк инфрақұрылымды "
        "жоспарлау және ең осал тұрғындарды қорғау.",
        "Ысык толкундар, суу ташкыны жана кургакчылык: климаттык тобокелдикти баалоо, жашыл жана көк "
        "инфраструктураны пландоо жана эң аялуу тургундарды коргоо.",
        "Jazirama issiqlik, suv toshqinlari va qurgʻoqchilik: iqlim xavfini baholash, yashil va moviy "
        "infratuzilmani rejalashtirish hamda eng zaif aholini himoya qilish.",
        "Жара, наводнения и засухи: оценка климатических рисков, планирование зелёной и голубой инфраструктуры "
        "и защита наиболее уязвимых жителей.",
    ),
    module1=t(
        "Understanding climate risk",
        "İklim riskini anlamak",
        "İqlim riskini anlamaq",
        "Климаттық тәуекелді түсіну",
        "Климаттык тобокелдикти түшүнүү",
        "Iqlim xavfini tushunish",
        "Понимание климатических рисков",
    ),
    lesson1=t(
        "Hazard, exposure, vulnerability",
        "Tehlike, maruziyet, kırılganlık",
        "Təhlükə, məruzqalma, həssaslıq",
        "Қауіп, әсерге ұшырау, осалдық",
        "Коркунуч, таасирге кабылуу, аялуулук",
        "Xavf, taʼsirga duchorlik, zaiflik",
        "Опасность, подверженность, уязвимость",
    ),
    lesson1_body=t(
        "## Risk = hazard × exposure × vulnerability\nA heat wave is the **hazard**; the people and buildings in "
        "its path are the **exposure**; how badly they suffer depends on their **vulnerability** — age, health, "
        "housing quality, access to shade and water. Adaptation works on all three.",
        "## Risk = tehlike × maruziyet × kırılganlık\nSıcak hava dalgası **tehlikedir**; yolundaki insanlar ve "
        "binalar **maruziyettir**; ne kadar zarar görecekleri **kırılganlıklarına** bağlıdır — yaş, sağlık, konut "
        "kalitesi, gölgeye ve suya erişim. Uyum, üçü üzerinde de çalışır.",
        "## Risk = təhlükə × məruzqalma × həssaslıq\nİsti dalğası **təhlükədir**; onun yolundakı insanlar və "
        "binalar **məruzqalmadır**; nə dərəcədə zərər çəkəcəkləri **həssaslıqdan** asılıdır — yaş, sağlamlıq, "
        "mənzilin keyfiyyəti, kölgəyə və suya çıxış. Uyğunlaşma hər üçünə təsir edir.",
        "## Тәуекел = қауіп × әсерге ұшырау × осалдық\nАптап ыстық — **қауіп**; оның жолындағы адамдар мен "
        "ғимараттар — **әсерге ұшырау**; олардың қаншалықты зардап шегетіні **осалдыққа** байланысты: жасы, "
        "денсаулығы, тұрғын үй сапасы, көлеңке мен суға қолжетімділік. Бейімделу үшеуіне де әсер етеді.",
        "## Тобокелдик = коркунуч × таасирге кабылуу × аялуулук\nЫсык толкун — **коркунуч**; анын жолундагы "
        "адамдар жана имараттар — **таасирге кабылуу**; алар канчалык жабыркары **аялуулукка** көз каранды: "
        "жашы, ден соолугу, турак жайдын сапаты, көлөкөгө жана сууга жетүү. Ыңгайлашуу үчөөнө тең таасир этет.",
        "## Xavf = xavf manbai × taʼsirga duchorlik × zaiflik\nJazirama issiqlik — **xavf manbai**; uning "
        "yoʻlidagi odamlar va binolar — **taʼsirga duchorlik**; ular qanchalik zarar koʻrishi **zaiflikka** "
        "bogʻliq: yosh, sogʻliq, uy-joy sifati, soya va suvdan foydalanish imkoni. Moslashuv uchalasiga ham "
        "taʼsir qiladi.",
        "## Риск = опасность × подверженность × уязвимость\nВолна жары — это **опасность**; люди и здания на её "
        "пути — **подверженность**; насколько сильно они пострадают, зависит от **уязвимости**: возраста, "
        "здоровья, качества жилья, доступа к тени и воде. Адаптация работает со всеми тремя.",
    ),
    handbook=t(
        "Handbook: a city heat action plan",
        "El kitabı: kentsel sıcak hava eylem planı",
        "Bələdçi: şəhərin isti dalğası fəaliyyət planı",
        "Нұсқаулық: қаланың аптап ыстыққа қарсы іс-қимыл жоспары",
        "Колдонмо: шаардын ысыкка каршы аракет планы",
        "Qoʻllanma: shaharning jazirama issiqqa qarshi harakat rejasi",
        "Пособие: городской план действий в период жары",
    ),
    module2=t(
        "Nature-based solutions",
        "Doğa temelli çözümler",
        "Təbiətə əsaslanan həllər",
        "Табиғатқа негізделген шешімдер",
        "Жаратылышка негизделген чечимдер",
        "Tabiatga asoslangan yechimlar",
        "Природоориентированные решения",
    ),
    lesson3=t(
        "Green and blue infrastructure",
        "Yeşil ve mavi altyapı",
        "Yaşıl və mavi infrastruktur",
        "Жасыл және көк инфрақұрылым",
        "Жашыл жана көк инфраструктура",
        "Yashil va moviy infratuzilma",
        "Зелёная и голубая инфраструктура",
    ),
    lesson3_body=t(
        "Street trees, parks and green roofs cool neighbourhoods by several degrees on hot afternoons. Rain "
        "gardens, restored rivers and permeable paving let storm water soak in instead of flooding streets. Start "
        "where **vulnerable residents and hot spots** overlap.",
        "Sokak ağaçları, parklar ve yeşil çatılar sıcak öğleden sonralarında mahalleleri birkaç derece serinletir. "
        "Yağmur bahçeleri, doğal hâline kavuşturulmuş dereler ve geçirgen kaplamalar, yağmur suyunun sokakları "
        "basmak yerine toprağa sızmasını sağlar. İşe **kırılgan sakinlerin ve sıcak noktaların** çakıştığı "
        "yerlerden başlayın.",
        "Küçə ağacları, parklar və yaşıl damlar isti günortalarda məhəllələri bir neçə dərəcə sərinləşdirir. "
        "Yağış bağları, bərpa olunmuş çaylar və sukeçirən örtüklər yağış suyunun küçələri basmaq əvəzinə torpağa "
        "hopmasına imkan verir. İşə **həssas sakinlərin və isti nöqtələrin** üst-üstə düşdüyü yerlərdən başlayın.",
        "Көше ағаштары, саябақтар мен жасыл шатырлар ыстық түстен кейін аудандарды бірнеше градусқа "
        "салқындатады. Жаңбыр бақтары, қалпына келтірілген өзендер мен су өткізгіш жабындар нөсер суын "
        "көшелерді басудың орнына топыраққа сіңіреді. Жұмысты **осал тұрғындар мен ыстық нүктелер** "
        "қабаттасатын жерлерден бастаңыз.",
        "Көчө дарактары, парктар жана жашыл чатырлар ысык түштөн кийин кварталдарды бир нече градуска "
        "салкындатат. Жаан бактары, калыбына келтирилген дарыялар жана суу өткөргүч жабуулар нөшөр суусун "
        "көчөлөрдү каптатпай, топуракка сиңирет. Ишти **аялуу тургундар менен ысык чекиттер** дал келген "
        "жерлерден баштаңыз.",
        "Koʻcha daraxtlari, bogʻlar va yashil tomlar issiq tushdan keyin mahallalarni bir necha darajaga "
        "salqinlatadi. Yomgʻir bogʻlari, tiklangan daryolar va suv oʻtkazuvchi qoplamalar yomgʻir suvini "
        "koʻchalarni bosish oʻrniga tuproqqa singdiradi. Ishni **zaif aholi va issiq nuqtalar** ustma-ust tushgan "
        "joylardan boshlang.",
        "Уличные деревья, парки и зелёные крыши охлаждают кварталы на несколько градусов в жаркие дни. Дождевые "
        "сады, восстановленные реки и водопроницаемые покрытия позволяют ливневой воде впитываться, а не "
        "затоплять улицы. Начинайте там, где **уязвимые жители и очаги перегрева** совпадают.",
    ),
    questions=(
        Question(
            t(
                "In climate risk, what does “vulnerability” describe?",
                "İklim riskinde “kırılganlık” neyi tanımlar?",
                "İqlim riskində “həssaslıq” nəyi ifadə edir?",
                "Климаттық тәуекелде «осалдық» нені сипаттайды?",
                "Климаттык тобокелдикте «аялуулук» эмнени билдирет?",
                "Iqlim xavfida «zaiflik» nimani anglatadi?",
                "Что в климатическом риске описывает «уязвимость»?",
            ),
            (
                (
                    t(
                        "How often the hazard occurs",
                        "Tehlikenin ne sıklıkla yaşandığı",
                        "Təhlükənin nə qədər tez-tez baş verdiyi",
                        "Қауіптің қаншалықты жиі болатыны",
                        "Коркунучтун канчалык көп болоору",
                        "Xavf qanchalik tez-tez sodir boʻlishi",
                        "Как часто возникает опасность",
                    ),
                    False,
                ),
                (
                    t(
                        "How badly people and assets are harmed when it occurs",
                        "Gerçekleştiğinde insanların ve varlıkların ne kadar zarar gördüğü",
                        "Baş verdikdə insanların və əmlakın nə qədər zərər gördüyü",
                        "Ол болған кезде адамдар мен мүліктің қаншалықты зардап шегетіні",
                        "Ал болгондо адамдар жана мүлк канчалык жабыркаары",
                        "Sodir boʻlganda odamlar va mulk qanchalik zarar koʻrishi",
                        "Насколько сильно страдают люди и имущество, когда она возникает",
                    ),
                    True,
                ),
                (
                    t(
                        "The city's total budget",
                        "Kentin toplam bütçesi",
                        "Şəhərin ümumi büdcəsi",
                        "Қаланың жалпы бюджеті",
                        "Шаардын жалпы бюджети",
                        "Shaharning umumiy byudjeti",
                        "Общий бюджет города",
                    ),
                    False,
                ),
            ),
        ),
        Question(
            multi(
                t(
                    "Which measures help storm water soak into the ground?",
                    "Hangi önlemler yağmur suyunun toprağa sızmasına yardımcı olur?",
                    "Hansı tədbirlər yağış suyunun torpağa hopmasına kömək edir?",
                    "Қандай шаралар нөсер суының топыраққа сіңуіне көмектеседі?",
                    "Кайсы чаралар нөшөр суусунун топуракка сиңишине жардам берет?",
                    "Qaysi choralar yomgʻir suvining tuproqqa singishiga yordam beradi?",
                    "Какие меры помогают ливневой воде впитываться в грунт?",
                )
            ),
            (
                (
                    t(
                        "Rain gardens",
                        "Yağmur bahçeleri",
                        "Yağış bağları",
                        "Жаңбыр бақтары",
                        "Жаан бактары",
                        "Yomgʻir bogʻlari",
                        "Дождевые сады",
                    ),
                    True,
                ),
                (
                    t(
                        "Permeable paving",
                        "Geçirgen kaplamalar",
                        "Sukeçirən örtüklər",
                        "Су өткізгіш жабындар",
                        "Суу өткөргүч жабуулар",
                        "Suv oʻtkazuvchi qoplamalar",
                        "Водопроницаемые покрытия",
                    ),
                    True,
                ),
                (
                    t(
                        "Wider asphalt car parks",
                        "Daha geniş asfalt otoparklar",
                        "Daha geniş asfalt dayanacaqlar",
                        "Кеңірек асфальт автотұрақтар",
                        "Кененирээк асфальт унаа токтотмолору",
                        "Kengroq asfalt avtoturargohlar",
                        "Более широкие асфальтовые парковки",
                    ),
                    False,
                ),
            ),
        ),
    ),
)

SMART_CITIES = SeedCourse(
    slug="smart-cities-for-people",
    owner=TRAINERS[4],
    default_language="en",
    topics=("smart-cities", "digital-services"),
    title=t(
        "Smart Cities for People",
        "İnsan Odaklı Akıllı Kentler",
        "İnsan üçün ağıllı şəhərlər",
        "Адамдарға арналған ақылды қалалар",
        "Адамдар үчүн акылдуу шаарлар",
        "Inson uchun aqlli shaharlar",
        "Умные города для людей",
    ),
    summary=t(
        "People-centred smart cities: digital public services, data governance and privacy, and inclusion of "
        "residents without internet access.",
        "İnsan odaklı akıllı kentler: dijital kamu hizmetleri, veri yönetişimi ve mahremiyet, internet erişimi "
        "olmayan sakinlerin kapsanması.",
        "İnsanyönümlü ağıllı şəhərlər: rəqəmsal ictimai xidmətlər, məlumatların idarə olunması və məxfilik, "
        "internetə çıxışı olmayan sakinlərin əhatə olunması.",
        "Адамға бағытталған ақылды қалалар: цифрлық қоғамдық қызметтер, деректерді басқару және құпиялық, "
        "интернетке қолжетімділігі жоқ тұрғындарды қамту.",
        "Адамга багытталган акылдуу шаарлар: санариптик коомдук кызматтар, маалыматтарды башкаруу жана "
        "купуялуулук, интернетке жетпеген тургундарды камтуу.",
        "Insonga yoʻnaltirilgan aqlli shaharlar: raqamli jamoat xizmatlari, maʼlumotlarni boshqarish va maxfiylik, "
        "internetga ega boʻlmagan aholini qamrab olish.",
        "Умные города, ориентированные на людей: цифровые муниципальные услуги, управление данными и "
        "приватность, вовлечение жителей без доступа к интернету.",
    ),
    module1=t(
        "Digital services residents use",
        "Sakinlerin kullandığı dijital hizmetler",
        "Sakinlərin istifadə etdiyi rəqəmsal xidmətlər",
        "Тұрғындар пайдаланатын цифрлық қызметтер",
        "Тургундар колдонгон санариптик кызматтар",
        "Aholi foydalanadigan raqamli xizmatlar",
        "Цифровые услуги, которыми пользуются жители",
    ),
    lesson1=t(
        "Start from a problem, not a gadget",
        "Bir cihazdan değil, bir sorundan başlayın",
        "Cihazdan deyil, problemdən başlayın",
        "Гаджеттен емес, мәселеден бастаңыз",
        "Гаджеттен эмес, көйгөйдөн баштаңыз",
        "Gadjetdan emas, muammodan boshlang",
        "Начинайте с проблемы, а не с гаджета",
    ),
    lesson1_body=t(
        "## People first\nA smart city project should begin with a **problem residents feel** — long queues for "
        "permits, unreliable buses, uncollected waste — and measure whether it is solved. Sensors and apps are "
        "tools, not goals; UN-Habitat calls this *people-centred smart cities*.",
        "## Önce insan\nAkıllı kent projesi **sakinlerin hissettiği bir sorunla** başlamalı — izinler için uzun "
        "kuyruklar, güvenilmez otobüsler, toplanmayan çöpler — ve sorunun çözülüp çözülmediğini ölçmelidir. "
        "Sensörler ve uygulamalar amaç değil araçtır; UN-Habitat buna *insan odaklı akıllı kentler* der.",
        "## Əvvəlcə insan\nAğıllı şəhər layihəsi **sakinlərin hiss etdiyi problemlə** başlamalıdır — icazələr "
        "üçün uzun növbələr, etibarsız avtobuslar, yığılmayan tullantılar — və problemin həll olunub-olunmadığını "
        "ölçməlidir. Sensorlar və tətbiqlər məqsəd deyil, vasitədir; UN-Habitat bunu *insanyönümlü ağıllı "
        "şəhərlər* adlandırır.",
        "## Алдымен адам\nАқылды қала жобасы **тұрғындар сезінетін мәселеден** басталуы керек — рұқсат алу үшін "
        "ұзын кезектер, сенімсіз автобустар, шығарылмаған қоқыс — және оның шешілгенін өлшеуі керек. Датчиктер "
        "мен қосымшалар — мақсат емес, құрал; UN-Habitat мұны *адамға бағытталған ақылды қалалар* деп атайды.",
        "## Адегенде адам\nАкылдуу шаар долбоору **тургундар сезген көйгөйдөн** башталышы керек — уруксат алуу "
        "үчүн узун кезектер, ишенимсиз автобустар, чыгарылбаган таштанды — жана анын чечилгенин өлчөшү керек. "
        "Сенсорлор жана тиркемелер максат эмес, курал; UN-Habitat муну *адамга багытталган акылдуу шаарлар* деп "
        "атайт.",
        "## Avvalo inson\nAqlli shahar loyihasi **aholi his qiladigan muammodan** boshlanishi kerak — "
        "ruxsatnomalar uchun uzun navbatlar, ishonchsiz avtobuslar, olib ketilmagan chiqindilar — va u hal "
        "boʻlganini oʻlchashi kerak. Sensorlar va ilovalar maqsad emas, vositadir; UN-Habitat buni *insonga "
        "yoʻnaltirilgan aqlli shaharlar* deb ataydi.",
        "## Сначала люди\nПроект умного города должен начинаться с **проблемы, которую ощущают жители**, — "
        "длинные очереди за разрешениями, ненадёжные автобусы, невывезенный мусор — и измерять, решена ли она. "
        "Датчики и приложения — инструменты, а не цели; ООН-Хабитат называет это *умными городами, "
        "ориентированными на людей*.",
    ),
    handbook=t(
        "Handbook: a digital service checklist",
        "El kitabı: dijital hizmet kontrol listesi",
        "Bələdçi: rəqəmsal xidmət yoxlama siyahısı",
        "Нұсқаулық: цифрлық қызметті тексеру парағы",
        "Колдонмо: санариптик кызматты текшерүү тизмеси",
        "Qoʻllanma: raqamli xizmat nazorat roʻyxati",
        "Пособие: чек-лист цифровой услуги",
    ),
    module2=t(
        "Data, privacy and inclusion",
        "Veri, mahremiyet ve kapsayıcılık",
        "Məlumat, məxfilik və inklüzivlik",
        "Деректер, құпиялық және инклюзивтілік",
        "Маалыматтар, купуялуулук жана инклюзивдүүлүк",
        "Maʼlumotlar, maxfiylik va inklyuzivlik",
        "Данные, приватность и инклюзивность",
    ),
    lesson3=t(
        "Collect less, protect more",
        "Daha az toplayın, daha çok koruyun",
        "Az toplayın, çox qoruyun",
        "Азырақ жинаңыз, көбірек қорғаңыз",
        "Азыраак чогултуңуз, көбүрөөк коргоңуз",
        "Kamroq yigʻing, koʻproq himoya qiling",
        "Собирайте меньше, защищайте больше",
    ),
    lesson3_body=t(
        "Collect only the data a service needs, say why you collect it, and delete it when the purpose ends. Keep "
        "a **non-digital channel** — a phone line or a service desk — so that residents without a smartphone are "
        "not left behind.",
        "Yalnızca hizmetin ihtiyaç duyduğu veriyi toplayın, neden topladığınızı açıklayın ve amaç sona erdiğinde "
        "silin. Akıllı telefonu olmayan sakinler geride kalmasın diye bir **dijital olmayan kanal** — telefon "
        "hattı ya da hizmet masası — bulundurun.",
        "Yalnız xidmətin ehtiyac duyduğu məlumatı toplayın, nə üçün topladığınızı izah edin və məqsəd bitdikdə "
        "silin. Smartfonu olmayan sakinlər kənarda qalmasın deyə **rəqəmsal olmayan kanal** — telefon xətti və ya "
        "xidmət masası — saxlayın.",
        "Қызметке қажетті деректерді ғана жинаңыз, не үшін жинайтыныңызды түсіндіріңіз және мақсат орындалғанда "
        "жойыңыз. Смартфоны жоқ тұрғындар шетте қалмауы үшін **цифрлық емес арнаны** — телефон желісін немесе "
        "қызмет көрсету орнын — сақтаңыз.",
        "Кызматка керектүү маалыматтарды гана чогултуңуз, эмне үчүн чогултуп жатканыңызды түшүндүрүңүз жана "
        "максат аткарылганда өчүрүңүз. Смартфону жок тургундар четте калбашы үчүн **санариптик эмес каналды** — "
        "телефон линиясын же кызмат көрсөтүү бөлүмүн — сактаңыз.",
        "Faqat xizmatga kerakli maʼlumotlarni yigʻing, nima uchun yigʻayotganingizni tushuntiring va maqsad "
        "tugagach oʻchiring. Smartfoni yoʻq aholi chetda qolmasligi uchun **raqamli boʻlmagan kanal** — telefon "
        "liniyasi yoki xizmat koʻrsatish joyi — saqlang.",
        "Собирайте только те данные, которые нужны услуге, объясняйте, зачем вы их собираете, и удаляйте, когда "
        "цель достигнута. Сохраняйте **нецифровой канал** — телефонную линию или окно обслуживания, — чтобы "
        "жители без смартфона не остались в стороне.",
    ),
    questions=(
        Question(
            t(
                "Where should a smart city project start?",
                "Akıllı kent projesi nereden başlamalıdır?",
                "Ağıllı şəhər layihəsi haradan başlamalıdır?",
                "Ақылды қала жобасы неден басталуы керек?",
                "Акылдуу шаар долбоору эмнеден башталышы керек?",
                "Aqlli shahar loyihasi nimadan boshlanishi kerak?",
                "С чего должен начинаться проект умного города?",
            ),
            (
                (
                    t(
                        "Buying the newest sensors",
                        "En yeni sensörleri satın almaktan",
                        "Ən yeni sensorları almaqdan",
                        "Ең жаңа датчиктерді сатып алудан",
                        "Эң жаңы сенсорлорду сатып алуудан",
                        "Eng yangi sensorlarni sotib olishdan",
                        "С покупки новейших датчиков",
                    ),
                    False,
                ),
                (
                    t(
                        "A problem residents feel",
                        "Sakinlerin hissettiği bir sorundan",
                        "Sakinlərin hiss etdiyi problemdən",
                        "Тұрғындар сезінетін мәселеден",
                        "Тургундар сезген көйгөйдөн",
                        "Aholi his qiladigan muammodan",
                        "С проблемы, которую ощущают жители",
                    ),
                    True,
                ),
                (
                    t(
                        "A mobile app competition",
                        "Bir mobil uygulama yarışmasından",
                        "Mobil tətbiq müsabiqəsindən",
                        "Мобильді қосымшалар байқауынан",
                        "Мобилдик тиркемелер сынагынан",
                        "Mobil ilovalar tanlovidan",
                        "С конкурса мобильных приложений",
                    ),
                    False,
                ),
            ),
        ),
        Question(
            multi(
                t(
                    "Which practices protect residents' data?",
                    "Hangi uygulamalar sakinlerin verilerini korur?",
                    "Hansı təcrübələr sakinlərin məlumatlarını qoruyur?",
                    "Қандай тәжірибелер тұрғындардың деректерін қорғайды?",
                    "Кайсы практикалар тургундардын маалыматтарын коргойт?",
                    "Qaysi amaliyotlar aholi maʼlumotlarini himoya qiladi?",
                    "Какие практики защищают данные жителей?",
                )
            ),
            (
                (
                    t(
                        "Collecting only what the service needs",
                        "Yalnızca hizmetin ihtiyaç duyduğunu toplamak",
                        "Yalnız xidmətin ehtiyac duyduğunu toplamaq",
                        "Қызметке қажеттісін ғана жинау",
                        "Кызматка керектүүсүн гана чогултуу",
                        "Faqat xizmatga keraklisini yigʻish",
                        "Собирать только то, что нужно услуге",
                    ),
                    True,
                ),
                (
                    t(
                        "Deleting data when the purpose ends",
                        "Amaç sona erince verileri silmek",
                        "Məqsəd bitdikdə məlumatları silmək",
                        "Мақсат орындалғанда деректерді жою",
                        "Максат аткарылганда маалыматтарды өчүрүү",
                        "Maqsad tugagach maʼlumotlarni oʻchirish",
                        "Удалять данные, когда цель достигнута",
                    ),
                    True,
                ),
                (
                    t(
                        "Selling data to advertisers",
                        "Verileri reklamcılara satmak",
                        "Məlumatları reklamçılara satmaq",
                        "Деректерді жарнама берушілерге сату",
                        "Маалыматтарды жарнамачыларга сатуу",
                        "Maʼlumotlarni reklama beruvchilarga sotish",
                        "Продавать данные рекламодателям",
                    ),
                    False,
                ),
            ),
        ),
    ),
)

CATALOGUE = (PARTICIPATORY_BUDGETING, CITY_GOVERNANCE, AFFORDABLE_HOUSING, CLIMATE_ADAPTATION, SMART_CITIES)
