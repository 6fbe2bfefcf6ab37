"""Place names people spell differently from the data: exonyms, endonyms, old names.

Someone asks for "customers in munich" while the data says ``'München'``; "united
kingdom" while it says ``'UK'``. Each group below lists names of one place that a person
may use for one another: the English exonym, the local endonym (with and without its
accents, transliterated), common abbreviations and alternate or former names. The value
index (:mod:`assistant.source.values`) compares names folded (any case, no accents, no
punctuation), so ``'Genève'`` and ``'Geneve'`` need not both be listed, but listing both is
harmless. :func:`exonyms_of` answers from this table.

A name sits in one group only (a test keeps it so): a name that could mean two places
("Georgia" the country and the state, "Bergen" in Norway and Mons in Belgium, "Luxembourg"
the country and its city) is listed for one of them or not at all, so an exonym never
widens a question to a place nobody meant.
"""

from __future__ import annotations

import functools

from assistant.source.folding import fold

__all__ = ["CITIES", "COUNTRIES", "GROUPS", "exonyms_of", "names_around"]

COUNTRIES: tuple[tuple[str, ...], ...] = (
    ("United Kingdom", "UK", "U.K.", "Great Britain", "Britain", "GB", "England",
     "Royaume-Uni", "Vereinigtes Königreich", "Reino Unido", "Regno Unito"),
    ("United States", "USA", "US", "U.S.", "U.S.A.", "United States of America", "America",
     "Vereinigte Staaten", "Estados Unidos", "États-Unis", "Stati Uniti"),
    ("Germany", "Deutschland", "Allemagne", "Alemania", "Germania", "Duitsland", "Tyskland",
     "Niemcy", "BRD"),
    ("Spain", "España", "Espana", "Espagne", "Spanien", "Spagna", "Espanha"),
    ("France", "Frankreich", "Francia", "Frankrijk", "Frankrike"),
    ("Italy", "Italia", "Italien", "Italie", "Itália"),
    ("Netherlands", "The Netherlands", "Holland", "Nederland", "Pays-Bas", "Niederlande",
     "Países Bajos", "Paesi Bassi"),
    ("Switzerland", "Schweiz", "Suisse", "Svizzera", "Svizra", "Suiza", "Helvetia",
     "Confoederatio Helvetica"),
    ("Belgium", "België", "Belgique", "Belgien", "Bélgica", "Belgio"),
    ("Denmark", "Danmark", "Dänemark", "Danemark", "Dinamarca"),
    ("Sweden", "Sverige", "Schweden", "Suède", "Suecia", "Svezia"),
    ("Norway", "Norge", "Noreg", "Norwegen", "Norvège", "Noruega"),
    ("Finland", "Suomi", "Finnland", "Finlande", "Finlandia"),
    ("Iceland", "Ísland"),
    ("Poland", "Polska", "Polen", "Pologne", "Polonia"),
    ("Austria", "Österreich", "Oesterreich", "Autriche"),
    ("Czechia", "Czech Republic", "Czech", "Česko", "Česká republika", "Tschechien",
     "République tchèque"),
    ("Slovakia", "Slovensko", "Slowakei", "Slovak Republic"),
    ("Hungary", "Magyarország", "Ungarn", "Hongrie"),
    ("Ireland", "Éire", "Republic of Ireland", "Irland", "Irlande"),
    ("Scotland", "Schottland", "Écosse"),
    ("Wales", "Cymru"),
    ("Greece", "Hellas", "Ellada", "Ελλάδα", "Griechenland", "Grèce", "Grecia"),
    ("Turkey", "Türkiye", "Türkei", "Turquie", "Turquía"),
    ("Russia", "Russian Federation", "Rossiya", "Россия", "Russland", "Russie", "Rusia"),
    ("Ukraine", "Ukraina", "Україна"),
    ("Belarus", "Byelorussia", "Belorussia", "Weißrussland"),
    ("Romania", "România", "Rumania", "Rumänien", "Roumanie"),
    ("Bulgaria", "България", "Bulgarien", "Bulgarie"),
    ("Croatia", "Hrvatska", "Kroatien", "Croatie"),
    ("Serbia", "Srbija", "Србија", "Serbien"),
    ("Slovenia", "Slovenija", "Slowenien"),
    ("Bosnia and Herzegovina", "Bosnia", "Bosna i Hercegovina", "Bosnia-Herzegovina", "BiH"),
    ("North Macedonia", "Macedonia", "Makedonija", "FYROM"),
    ("Montenegro", "Crna Gora"),
    ("Kosovo", "Kosova"),
    ("Albania", "Shqipëri", "Shqipëria", "Albanien"),
    ("Lithuania", "Lietuva", "Litauen"),
    ("Latvia", "Latvija", "Lettland"),
    ("Estonia", "Eesti", "Estland"),
    ("Luxembourg", "Luxemburg", "Lëtzebuerg"),
    ("Moldova", "Moldavia", "Republic of Moldova"),
    ("Georgia", "Sakartvelo"),
    ("Armenia", "Hayastan"),
    ("Cyprus", "Kypros", "Kıbrıs", "Zypern"),
    ("Vatican City", "Vatican", "Holy See", "Città del Vaticano"),
    ("Faroe Islands", "Føroyar", "Færøerne", "Faeroe Islands"),
    ("Greenland", "Kalaallit Nunaat", "Grønland"),
    ("Brazil", "Brasil", "Brasilien", "Brésil"),
    ("Mexico", "México", "Méjico", "Mexiko", "Mexique", "Estados Unidos Mexicanos"),
    ("Argentina", "Argentinien", "Argentine"),
    ("Colombia", "Kolumbien", "Colombie"),
    ("Peru", "Perú"),
    ("Canada", "Kanada"),
    ("Dominican Republic", "República Dominicana"),
    ("Haiti", "Haïti", "Ayiti"),
    ("Japan", "Nippon", "Nihon", "日本", "Japon", "Japón", "Giappone"),
    ("China", "PRC", "People's Republic of China", "中国", "Zhongguo", "Chine"),
    ("Taiwan", "Republic of China", "ROC", "Formosa"),
    ("South Korea", "Korea", "Republic of Korea", "Korea, Republic of", "Hanguk", "대한민국",
     "Südkorea", "ROK"),
    ("North Korea", "DPRK", "Democratic People's Republic of Korea", "Nordkorea"),
    ("India", "Bharat", "Hindustan", "Indien", "Inde"),
    ("Myanmar", "Burma"),
    ("Sri Lanka", "Ceylon"),
    ("Thailand", "Siam", "Prathet Thai"),
    ("Vietnam", "Viet Nam", "Việt Nam"),
    ("Philippines", "Pilipinas", "Filipinas"),
    ("Indonesia", "Indonesien"),
    ("Laos", "Lao PDR", "Lao People's Democratic Republic"),
    ("Timor-Leste", "East Timor"),
    ("Singapore", "Singapura"),
    ("Kazakhstan", "Qazaqstan"),
    ("Kyrgyzstan", "Kyrgyz Republic", "Kirghizia"),
    ("Iran", "Persia"),
    ("Syria", "Syrian Arab Republic"),
    ("Lebanon", "Liban", "Lubnan"),
    ("Saudi Arabia", "KSA", "Saudi-Arabien", "Arabie saoudite"),
    ("United Arab Emirates", "UAE", "U.A.E.", "Emirates"),
    ("Egypt", "Misr", "Ägypten", "Égypte", "Egipto"),
    ("Morocco", "Maroc", "Marokko", "Marruecos"),
    ("Algeria", "Algérie", "Algerien"),
    ("Tunisia", "Tunisie", "Tunesien"),
    ("South Africa", "RSA", "Suid-Afrika", "Südafrika", "Afrique du Sud"),
    ("Ivory Coast", "Côte d'Ivoire"),
    ("Cape Verde", "Cabo Verde"),
    ("Eswatini", "Swaziland"),
    ("Democratic Republic of the Congo", "DRC", "DR Congo", "Congo-Kinshasa", "Zaire"),
    ("Republic of the Congo", "Congo-Brazzaville"),
    ("Australia", "Australien", "Australie"),
    ("New Zealand", "Aotearoa", "Neuseeland", "Nouvelle-Zélande"),
)  # fmt: skip
"""Countries, one group each: the English name first."""

CITIES: tuple[tuple[str, ...], ...] = (
    # Germany
    ("Munich", "München", "Muenchen", "Monaco di Baviera"),
    ("Cologne", "Köln", "Koeln"),
    ("Nuremberg", "Nürnberg", "Nuernberg"),
    ("Hanover", "Hannover"),
    ("Brunswick", "Braunschweig"),
    ("Frankfurt", "Frankfurt am Main", "Francfort"),
    ("Düsseldorf", "Duesseldorf"),
    ("Aachen", "Aix-la-Chapelle"),
    ("Mainz", "Mayence"),
    ("Regensburg", "Ratisbon"),
    ("Koblenz", "Coblenz"),
    ("Trier", "Treves", "Trèves"),
    # Austria, Switzerland
    ("Vienna", "Wien", "Vienne"),
    ("Geneva", "Genève", "Genf", "Ginevra", "Ginebra"),
    ("Zurich", "Zürich", "Zuerich"),
    ("Bern", "Berne"),
    ("Lucerne", "Luzern"),
    ("Basel", "Bâle", "Basle", "Basilea"),
    ("Neuchâtel", "Neuenburg"),
    ("Biel", "Bienne", "Biel/Bienne"),
    ("Sion", "Sitten"),
    ("St. Gallen", "Sankt Gallen", "Saint-Gall"),
    ("Chur", "Coire"),
    ("Schaffhausen", "Schaffhouse"),
    # Belgium, Netherlands, Luxembourg
    ("Brussels", "Bruxelles", "Brussel", "Brüssel"),
    ("Antwerp", "Antwerpen", "Anvers"),
    ("Ghent", "Gent", "Gand"),
    ("Bruges", "Brugge"),
    ("Liège", "Luik", "Lüttich"),
    ("Leuven", "Louvain"),
    ("Mechelen", "Malines"),
    ("Ostend", "Oostende", "Ostende"),
    ("Namur", "Namen"),
    ("Kortrijk", "Courtrai"),
    ("Ypres", "Ieper"),
    ("Tournai", "Doornik"),
    ("The Hague", "Den Haag", "'s-Gravenhage", "La Haye"),
    ("'s-Hertogenbosch", "Den Bosch", "Bois-le-Duc"),
    # Nordic countries
    ("Copenhagen", "København", "Kobenhavn", "Koebenhavn", "Kopenhagen"),
    ("Aarhus", "Århus"),
    ("Elsinore", "Helsingør"),
    ("Lyngby", "Kongens Lyngby"),
    ("Gothenburg", "Göteborg", "Goeteborg"),
    ("Malmö", "Malmoe"),
    ("Uppsala", "Upsala"),
    ("Helsinki", "Helsingfors"),
    ("Turku", "Åbo"),
    ("Tampere", "Tammerfors"),
    ("Oulu", "Uleåborg"),
    ("Vaasa", "Vasa"),
    ("Trondheim", "Nidaros"),
    ("Reykjavik", "Reykjavík"),
    ("Tórshavn", "Thorshavn"),
    ("Nuuk", "Godthåb"),
    # Iberia
    ("Lisbon", "Lisboa", "Lissabon", "Lisbonne"),
    ("Porto", "Oporto"),
    ("Seville", "Sevilla"),
    ("Saragossa", "Zaragoza"),
    ("Corunna", "A Coruña", "La Coruña"),
    ("San Sebastián", "Donostia", "Donostia-San Sebastián"),
    ("Bilbao", "Bilbo"),
    ("Pamplona", "Iruña"),
    ("Valencia", "València"),
    ("Cordoba", "Córdoba"),
    ("Cadiz", "Cádiz"),
    ("Majorca", "Mallorca"),
    ("Palma", "Palma de Mallorca"),
    # France
    ("Marseille", "Marseilles"),
    ("Lyon", "Lyons"),
    ("Strasbourg", "Straßburg", "Strassburg"),
    ("Dunkirk", "Dunkerque"),
    ("Nice", "Nizza"),
    # Italy
    ("Rome", "Roma", "Rom"),
    ("Milan", "Milano", "Mailand"),
    ("Naples", "Napoli", "Neapel"),
    ("Florence", "Firenze", "Florenz"),
    ("Venice", "Venezia", "Venedig", "Venise"),
    ("Turin", "Torino", "Turín"),
    ("Genoa", "Genova", "Genua", "Gênes"),
    ("Padua", "Padova"),
    ("Mantua", "Mantova"),
    ("Leghorn", "Livorno"),
    ("Bolzano", "Bozen"),
    ("Merano", "Meran"),
    ("Bressanone", "Brixen"),
    ("Trieste", "Triest"),
    # Central and eastern Europe
    ("Warsaw", "Warszawa", "Warschau", "Varsovie"),
    ("Krakow", "Kraków", "Cracow", "Krakau", "Cracovie"),
    ("Wroclaw", "Wrocław", "Breslau"),
    ("Gdansk", "Gdańsk", "Danzig"),
    ("Poznan", "Poznań", "Posen"),
    ("Lodz", "Łódź"),
    ("Szczecin", "Stettin"),
    ("Prague", "Praha", "Prag"),
    ("Brno", "Brünn"),
    ("Pilsen", "Plzeň"),
    ("Karlovy Vary", "Karlsbad", "Carlsbad"),
    ("České Budějovice", "Budweis"),
    ("Bratislava", "Pressburg", "Pozsony"),
    ("Ljubljana", "Laibach"),
    ("Rijeka", "Fiume"),
    ("Bucharest", "București", "Bukarest"),
    ("Cluj-Napoca", "Cluj", "Klausenburg", "Kolozsvár"),
    ("Timișoara", "Temeswar", "Temesvár"),
    ("Iași", "Jassy"),
    ("Brașov", "Brasso"),
    ("Chișinău", "Kishinev"),
    ("Belgrade", "Beograd", "Београд", "Belgrad"),
    ("Sofia", "Sofiya", "София"),
    ("Tirana", "Tiranë"),
    ("Skopje", "Skopie", "Скопје"),
    # Greece, Turkey, Cyprus, Malta
    ("Athens", "Athina", "Athinai", "Αθήνα", "Athen", "Athènes"),
    ("Thessaloniki", "Salonica", "Salonika", "Thessalonique"),
    ("Istanbul", "İstanbul", "Constantinople"),
    ("Nicosia", "Lefkosia"),
    ("Valletta", "Valetta"),
    # Baltic states, Russia, Ukraine
    ("Vilnius", "Wilno", "Vilna"),
    ("Kaunas", "Kovno"),
    ("Tallinn", "Reval"),
    ("Moscow", "Moskva", "Moskau", "Moscou", "Москва"),
    ("Saint Petersburg", "St. Petersburg", "Sankt-Peterburg", "Leningrad", "Санкт-Петербург"),
    ("Kaliningrad", "Königsberg"),
    ("Yekaterinburg", "Ekaterinburg", "Sverdlovsk"),
    ("Kyiv", "Kiev", "Київ", "Kyjiw"),
    ("Kharkiv", "Kharkov"),
    ("Odesa", "Odessa"),
    ("Lviv", "Lvov", "Lwów", "Lemberg"),
    ("Sevastopol", "Sebastopol"),
    # British Isles
    ("Edinburgh", "Dùn Èideann"),
    ("Dublin", "Baile Átha Cliath"),
    ("Cork", "Corcaigh"),
    ("Derry", "Londonderry"),
    ("Cardiff", "Caerdydd"),
    ("Swansea", "Abertawe"),
    # The Americas
    ("Mexico City", "México D.F.", "Mexico DF", "Ciudad de México", "CDMX"),
    ("Sao Paulo", "São Paulo"),
    ("Rio de Janeiro", "Rio"),
    ("Bogotá", "Santa Fe de Bogotá"),
    ("Cusco", "Cuzco"),
    ("Havana", "La Habana", "Habana"),
    ("Panama City", "Ciudad de Panamá"),
    ("Guatemala City", "Ciudad de Guatemala"),
    ("Montreal", "Montréal"),
    ("Quebec", "Québec", "Quebec City", "Ville de Québec"),
    ("New York", "New York City", "NYC"),
    ("Los Angeles", "L.A."),
    ("Washington, D.C.", "Washington DC"),
    ("Philadelphia", "Philly"),
    # Asia
    ("Beijing", "Peking", "Pekin", "北京"),
    ("Nanjing", "Nanking"),
    ("Guangzhou", "Kwangchow"),
    ("Xiamen", "Amoy"),
    ("Chongqing", "Chungking"),
    ("Tianjin", "Tientsin"),
    ("Hong Kong", "Hongkong", "香港"),
    ("Taipei", "Taibei"),
    ("Tokyo", "Tokio", "東京"),
    ("Kyoto", "Kioto"),
    ("Seoul", "서울"),
    ("Mumbai", "Bombay"),
    ("Kolkata", "Calcutta"),
    ("Chennai", "Madras"),
    ("Bengaluru", "Bangalore"),
    ("Pune", "Poona"),
    ("Yangon", "Rangoon"),
    ("Ho Chi Minh City", "Saigon", "HCMC"),
    ("Hanoi", "Hà Nội"),
    ("Bangkok", "Krung Thep"),
    ("Jakarta", "Djakarta", "Batavia"),
    ("Almaty", "Alma-Ata"),
    ("Astana", "Nur-Sultan"),
    ("Tbilisi", "Tiflis"),
    ("Yerevan", "Erevan"),
    ("Baku", "Bakı"),
    ("Tehran", "Teheran"),
    ("Damascus", "Dimashq"),
    ("Aleppo", "Halab"),
    ("Jerusalem", "Yerushalayim", "Al-Quds"),
    ("Mecca", "Makkah"),
    ("Medina", "Madinah"),
    # Africa
    ("Cairo", "Al-Qahira", "Le Caire", "Kairo"),
    ("Algiers", "Alger"),
    ("Marrakesh", "Marrakech"),
    ("Fez", "Fès"),
    ("Tangier", "Tanger", "Tangiers"),
    ("Casablanca", "Dar el Beida"),
    ("Kinshasa", "Léopoldville"),
    ("Maputo", "Lourenço Marques"),
    ("Cape Town", "Kaapstad"),
    ("Johannesburg", "Joburg", "Jozi"),
)  # fmt: skip
"""Cities, one group each: the English name first."""

GROUPS: tuple[tuple[str, ...], ...] = COUNTRIES + CITIES
"""Every group, countries first."""


@functools.cache
def _exonym_table() -> dict[str, tuple[str, ...]]:
    """Each folded place name: the folded other names of its group."""
    table: dict[str, tuple[str, ...]] = {}
    for group in GROUPS:
        names = tuple(dict.fromkeys(fold(name) for name in group))
        for name in names:
            table[name] = tuple(other for other in names if other != name)
    return table


def exonyms_of(phrase: str) -> tuple[str, ...]:
    """The other names (folded) of the place ``phrase`` names, or ``()``.

    >>> exonyms_of("Köln")
    ('cologne', 'koeln')
    """
    return _exonym_table().get(fold(phrase), ())


@functools.cache
def _exonym_lengths() -> dict[int, list[str]]:
    lengths: dict[int, list[str]] = {}
    for name in _exonym_table():
        lengths.setdefault(len(name), []).append(name)
    return lengths


def names_around(length: int, most: int) -> list[str]:
    """Every folded place name ``most`` characters longer or shorter than ``length`` at most."""
    lengths = _exonym_lengths()
    return [k for n in range(length - most, length + most + 1) for k in lengths.get(n, ())]
